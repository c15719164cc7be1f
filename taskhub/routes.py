"""The version route table: which app serves each major.minor, and in what state.

Rows live in table `DurableDeployRoutes` (PartitionKey "routes", RowKey the major.minor)
so the router, the `routes` stages and the retire flow share one truth. The router only
reads it; stages write it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableServiceClient, UpdateMode

from taskhub.versions import parse_dotnet_version

ROUTES_TABLE = "DurableDeployRoutes"
_PARTITION = "routes"


class RouteState(StrEnum):
    ACTIVE = "active"
    DRAINING = "draining"
    RETIRED = "retired"


def major_minor(version: str) -> str | None:
    """ "1.2.7" -> "1.2"; None for anything that is not a 2-4 part .NET version."""
    parsed = parse_dotnet_version(version)
    return f"{parsed[0]}.{parsed[1]}" if parsed else None


@dataclass(frozen=True)
class Route:
    minor: str
    app: str
    base_url: str
    version: str
    hub: str
    state: RouteState = RouteState.ACTIVE
    current: bool = False

    def to_entity(self) -> dict[str, Any]:
        return {
            "PartitionKey": _PARTITION,
            "RowKey": self.minor,
            "App": self.app,
            "BaseUrl": self.base_url,
            "Version": self.version,
            "TaskHubName": self.hub,
            "State": str(self.state),
            "IsCurrent": self.current,
        }

    @classmethod
    def from_entity(cls, row: dict[str, Any]) -> Route:
        return cls(
            minor=row["RowKey"],
            app=row.get("App", ""),
            base_url=row.get("BaseUrl", ""),
            version=row.get("Version", ""),
            hub=row.get("TaskHubName", ""),
            state=RouteState(row.get("State", RouteState.ACTIVE)),
            current=bool(row.get("IsCurrent", False)),
        )


@dataclass(frozen=True)
class RouteTable:
    routes: dict[str, Route] = field(default_factory=dict)

    @classmethod
    def of(cls, routes: Iterable[Route]) -> RouteTable:
        return cls({r.minor: r for r in routes})

    @property
    def current(self) -> Route | None:
        return next(
            (r for r in self.routes.values() if r.current and r.state is RouteState.ACTIVE), None
        )

    @property
    def active(self) -> list[str]:
        return sorted(m for m, r in self.routes.items() if r.state is RouteState.ACTIVE)

    def by_hub(self, hub: str) -> Route | None:
        return next((r for r in self.routes.values() if r.hub.lower() == hub.lower()), None)


class RouteStore:
    def __init__(self, service: TableServiceClient) -> None:
        self.service = service
        self.table = service.get_table_client(ROUTES_TABLE)

    def load(self) -> RouteTable:
        """Raises ResourceNotFoundError when no route was ever registered."""
        rows = self.table.query_entities(f"PartitionKey eq '{_PARTITION}'")
        return RouteTable.of(Route.from_entity(row) for row in rows)

    def save(self, route: Route) -> None:
        try:
            self.table.upsert_entity(route.to_entity(), mode=UpdateMode.REPLACE)
        except ResourceNotFoundError:
            self.service.create_table(ROUTES_TABLE)
            self.table.upsert_entity(route.to_entity(), mode=UpdateMode.REPLACE)
