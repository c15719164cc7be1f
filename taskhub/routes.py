"""The version route table: which app serves each major.minor, and in what state.

Rows live in table `DurableDeployRoutes` (PartitionKey "routes", RowKey the major.minor)
so the router, the `routes` stages and the retire flow share one truth. The router only
reads it; stages write it, several rows at once in one batch transaction (they share a
partition), so a change such as "1.1 is current now" is never half written.

A row that does not parse (a hand edit, a newer writer) is skipped and named, never
allowed to stop the rest of the table from loading.

A ramping version (`RampPercent` 1-99 on an active, non-current row) takes that share of
new starts; `routes ramp` writes it and `routes ramp-watch` sets it back to 0 on failures.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

from azure.data.tables import EntityProperty, TableServiceClient, UpdateMode

from taskhub.enums import parse_enum
from taskhub.errors import TableNotFoundError, map_storage_errors
from taskhub.versions import parse_dotnet_version

ROUTES_TABLE = "DurableDeployRoutes"
ROUTER_STORAGE_SETTING = "RouterStorage"
"""The router app's connection to the tracking store: the route table and the shared
Instances table (a connection string, or `RouterStorage__accountName` for an identity)."""
ROUTER_PREFIX_SETTING = "TrackingStorePrefix"
"""The router app's table prefix in that store (default `DEFAULT_TRACKING_PREFIX`)."""
ROUTER_ALLOWED_HOSTS_SETTING = "RouterAllowedHosts"
"""The hosts the router may forward to (apps/router/router/hosts.py)."""
ROUTER_PUBLIC_URL_SETTING = "RouterPublicUrl"
"""The router's own base URL, put into rewritten status URLs (apps/router/router/settings.py)."""
_PARTITION = "routes"
_log = logging.getLogger(__name__)


class RouteState(StrEnum):
    ACTIVE = "active"
    DRAINING = "draining"
    RETIRED = "retired"


def major_minor(version: str) -> str | None:
    """ "1.2.7" -> "1.2"; None for anything that is not a 2-4 part .NET version."""
    parsed = parse_dotnet_version(version)
    return f"{parsed[0]}.{parsed[1]}" if parsed else None


MAX_VERSION_LENGTH = 64
"""The longest version the router reads; a longer one is refused before it is parsed."""


def routable_minor(version: str) -> str | None:
    """The major.minor the router routes `version` to; None for a version it refuses (the
    sample app starts no other, so no row records a version no router would route)."""
    return major_minor(version) if len(version) <= MAX_VERSION_LENGTH else None


@dataclass(frozen=True)
class Route:
    minor: str
    app: str
    base_url: str
    version: str
    hub: str
    state: RouteState = RouteState.ACTIVE
    current: bool = False
    ramp: int = 0
    """Percent of new starts (no instance, no version named) this version takes."""

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
            "RampPercent": self.ramp,
        }

    @classmethod
    def from_entity(cls, row: Mapping[str, Any]) -> Route:
        """The route a row describes; ValueError naming the column when it describes none."""
        minor = _text(row, "RowKey")
        if major_minor(minor) != minor:
            raise ValueError(f"RowKey {minor!r} is not a major.minor version")
        base_url = _text(row, "BaseUrl")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"BaseUrl {base_url!r} is not an http(s) URL")
        current = row.get("IsCurrent", False)
        if not isinstance(current, bool):
            raise ValueError(f"IsCurrent {current!r} is not a boolean")
        ramp = row.get("RampPercent", 0)
        ramp = ramp.value if isinstance(ramp, EntityProperty) else ramp  # an Int64 column
        if isinstance(ramp, bool) or not isinstance(ramp, int) or not 0 <= ramp <= 100:
            raise ValueError(f"RampPercent {ramp!r} is not a whole percent from 0 to 100")
        try:
            state = parse_enum(
                RouteState, _text(row, "State", RouteState.ACTIVE), case_sensitive=True
            )
        except ValueError as exc:
            raise ValueError(f"State {exc}") from None
        return cls(
            minor=minor,
            app=_text(row, "App"),
            base_url=base_url,
            version=_text(row, "Version"),
            hub=_text(row, "TaskHubName"),
            state=state,
            current=current,
            ramp=ramp,
        )


def _text(row: Mapping[str, Any], column: str, default: str = "") -> str:
    value = row.get(column, default)
    if not isinstance(value, str):
        raise ValueError(f"{column} {value!r} is not text")
    return value


@dataclass(frozen=True)
class RouteTable:
    routes: dict[str, Route] = field(default_factory=dict)
    skipped: tuple[str, ...] = ()
    """Why each row that did not parse was left out."""

    @classmethod
    def of(cls, routes: Iterable[Route], skipped: Iterable[str] = ()) -> RouteTable:
        return cls({r.minor: r for r in routes}, tuple(skipped))

    @property
    def currents(self) -> list[Route]:
        """Active routes marked current; more than one is a half-done change."""
        return [
            r for _, r in sorted(self.routes.items()) if r.current and r.state is RouteState.ACTIVE
        ]

    @property
    def current(self) -> Route | None:
        """The one current route; None when none or several are marked (never a guess)."""
        currents = self.currents
        return currents[0] if len(currents) == 1 else None

    @property
    def ramping(self) -> list[Route]:
        """Active, non-current routes with a ramp; more than one is refused by `routes ramp`
        and, written by hand, makes the router send every new start to the current one."""
        return [
            r
            for _, r in sorted(self.routes.items())
            if r.ramp > 0 and not r.current and r.state is RouteState.ACTIVE
        ]

    @property
    def active(self) -> list[str]:
        return sorted(m for m, r in self.routes.items() if r.state is RouteState.ACTIVE)

    def by_hub(self, hub: str) -> Route | None:
        return next((r for r in self.routes.values() if r.hub.lower() == hub.lower()), None)


class RouteStore:
    """The route table of one tracking store account, read and written with our errors."""

    def __init__(self, service: TableServiceClient, *, secrets: tuple[str, ...] = ()) -> None:
        self.service = service
        self.table = service.get_table_client(ROUTES_TABLE)
        self._secrets = secrets

    def load(self, *, missing_ok: bool = False) -> RouteTable:
        """The table as stored. No table means no route was ever registered: an empty table
        with `missing_ok` (the stages, which register the first), else `TableNotFoundError`
        (the router, which must not route on a table it could not read)."""
        routes, skipped = [], []
        try:
            with map_storage_errors(ROUTES_TABLE, secrets=self._secrets):
                rows = list(self.table.query_entities(f"PartitionKey eq '{_PARTITION}'"))
        except TableNotFoundError:
            if missing_ok:
                return RouteTable()
            raise
        for row in rows:
            try:
                routes.append(Route.from_entity(row))
            except ValueError as exc:
                reason = f"route row {row.get('RowKey')!r} skipped: {exc}"
                _log.warning("%s", reason)
                skipped.append(reason)
        return RouteTable.of(routes, skipped)

    def save(self, *routes: Route) -> RouteTable:
        """Writes every route in one batch transaction (all of them, or none), creating the
        table for the first; returns the table as stored afterwards."""
        operations = [("upsert", r.to_entity(), {"mode": UpdateMode.REPLACE}) for r in routes]
        if operations:
            try:
                with map_storage_errors(ROUTES_TABLE, secrets=self._secrets):
                    self.table.submit_transaction(operations)
            except TableNotFoundError:
                with map_storage_errors(ROUTES_TABLE, secrets=self._secrets):
                    self.service.create_table(ROUTES_TABLE)
                    self.table.submit_transaction(operations)
        return self.load(missing_ok=True)
