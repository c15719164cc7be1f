"""The router's route table, kept right: what each `routes` command changes, and why.

The table lives in the shared tracking store (`<prefix>Routes`, taskhub/routes.py). A
missing table reads as empty (no version registered yet); any other storage failure is
"cannot decide". Changes that must happen together (the old current and the new one) are
saved in one batch, so the router never sees two current versions, or none.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from scripts.stages.stack_outputs import typed
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.connection import RetrySettings
from taskhub.errors import ConfigurationError
from taskhub.hubs import TaskHub
from taskhub.instance_rows import InstanceRecord
from taskhub.routes import Route, RouteState, RouteTable
from taskhub.sources import Connection, HubAddress, open_route_store, open_source


@dataclass(frozen=True)
class TrackingStore:
    """The shared tracking store: one account holding the route table and the Instances
    table every version's hub writes to (`<prefix>Instances`, told apart by TaskHubName)."""

    connection: Connection
    retry: RetrySettings
    prefix: str

    def address(self, hub: str) -> HubAddress:
        return HubAddress(TaskHub(hub, tracking_prefix=self.prefix), self.connection)

    def read(self) -> RouteTable:
        """The route table as stored (empty before the first registration)."""
        with open_route_store(self.connection, self.retry) as store:
            return store.load(missing_ok=True)

    def write(self, *routes: Route) -> RouteTable:
        """Writes `routes` in one batch; the table as stored afterwards."""
        with open_route_store(self.connection, self.retry) as store:
            return store.save(*routes)


def change_routes(
    tracking: TrackingStore, change: Callable[[RouteTable], Iterable[Route]]
) -> RouteTable:
    """Writes the rows `change` derives from the table in one batch; the table afterwards."""
    return tracking.write(*change(tracking.read()))


def warnings(table: RouteTable) -> list[str]:
    """What is wrong with the table as stored: skipped rows, a half-done current change."""
    found = list(table.skipped)
    if len(table.ramping) > 1:
        marked = ", ".join(r.minor for r in table.ramping)
        found.append(
            f"several versions are ramping ({marked}): the router applies none of these ramps "
            "until `routes ramp <one> --percent 0` leaves one"
        )
    if len(table.currents) > 1:
        marked = ", ".join(r.minor for r in table.currents)
        found.append(
            f"several versions are marked current ({marked}): a half-done change; the router "
            "answers 503 to requests that name no version until `routes set-current` repairs it"
        )
    return found


def route_for(table: RouteTable, minor: str, *, replaceable: bool = False) -> Route:
    """The route for `minor`; `replaceable` refuses the current one (it takes new work)."""
    if minor not in table.routes:
        raise ConfigurationError(
            f"no route for {minor}", fix=f"known: {', '.join(sorted(table.routes)) or 'none'}"
        )
    route = table.routes[minor]
    if replaceable and route.current:
        raise ConfigurationError(
            f"{minor} is the current version", fix="routes set-current <another> first"
        )
    return route


def active_route(table: RouteTable, minor: str, doing: str) -> Route:
    route = route_for(table, minor)
    if route.state is not RouteState.ACTIVE:
        raise ConfigurationError(f"{minor} is {route.state}", fix=f"{doing} an active version")
    return route


def routes_from_stack(
    stack: dict[str, Any], table: RouteTable, base_urls: Mapping[str, str]
) -> list[Route]:
    """Every version app of the stack outputs as a route; state and current version are
    kept, and a first sync makes the newest version current."""
    apps = typed(stack, "apps", dict, "--stack-output", required=False) or {}
    if not apps:
        raise ConfigurationError("--stack-output has no apps", fix="pass a routing stack's outputs")
    fresh = []
    for name in apps:
        entry = typed(apps, name, dict, "apps")
        slots = typed(entry, "slots", dict, f"apps.{name}")
        production = typed(slots, PRODUCTION_SLOT, dict, f"apps.{name}.slots")
        minor = typed(entry, "minor", str, f"apps.{name}")
        old = table.routes.get(minor)
        host = typed(production, "hostName", str, f"apps.{name}.slots.production")
        fresh.append(
            Route(
                minor,
                name,
                base_urls.get(minor, f"https://{host}"),
                typed(entry, "version", str, f"apps.{name}"),
                typed(production, "taskHub", str, f"apps.{name}.slots.production"),
                old.state if old else RouteState.ACTIVE,
                old.current if old else False,
            )
        )
    if not any(r.current for r in fresh) and not table.current:
        newest = max(fresh, key=lambda r: tuple(int(p) for p in r.minor.split(".")))
        fresh = [replace(r, current=r is newest) for r in fresh]
    return fresh


def making_current(table: RouteTable, target: Route) -> list[Route]:
    """The rows that change when `target` becomes current, for one batch: the old current
    and the new one change together or not at all, a table left with several current
    routes (a half-done change) is repaired, and the target's ramp ends (it takes all)."""
    return [
        replace(route, current=route is target, ramp=0)
        for route in table.routes.values()
        if route.current != (route is target) or (route is target and route.ramp)
    ]


def draining(table: RouteTable, minor: str) -> list[Route]:
    """The row that changes for `routes drain MINOR`: no new orchestrations go to it."""
    return [replace(route_for(table, minor, replaceable=True), state=RouteState.DRAINING)]


def ramped(table: RouteTable, minor: str, percent: int) -> list[Route]:
    """The rows that change for `routes ramp MINOR --percent N`; 100 makes it current."""
    target = active_route(table, minor, "ramp")
    if percent == 100:
        return making_current(table, target)
    if target.current:
        raise ConfigurationError(
            f"{minor} is the current version: it already takes every new start",
            fix="ramp the version you are releasing",
        )
    others = [r.minor for r in table.ramping if r.minor != minor]
    if others and percent:
        raise ConfigurationError(
            f"{', '.join(others)} is ramping already",
            fix=f"routes ramp {others[0]} --percent 0 (or 100) first",
        )
    return [replace(target, ramp=percent)]


@dataclass(frozen=True)
class Retirement:
    route: Route
    unfinished: tuple[InstanceRecord, ...]
    config_change: str = ""
    """The stack config change that removes the retired version's app."""

    @property
    def retired(self) -> bool:
        return not self.unfinished


def retire(tracking: TrackingStore, minor: str) -> Retirement:
    """Retires `minor` once its hub has no unfinished instance in the tracking store; a hub
    that never recorded one there is "cannot decide" (the app writes under another hub)."""
    table = tracking.read()
    route = route_for(table, minor, replaceable=True)
    owner = tracking.address(route.hub)
    with open_source(owner, tracking.retry) as instances:
        if not instances.has_any_instance():
            raise _never_recorded(tracking, owner, minor)
        unfinished = tuple(instances.unfinished(include_entities=True))
    if unfinished:
        return Retirement(route, unfinished)
    tracking.write(replace(route, state=RouteState.RETIRED, current=False))
    remaining = [
        r.version
        for m, r in sorted(table.routes.items())
        if m != minor and r.state is not RouteState.RETIRED
    ]
    change = (
        "pulumi config set --path 'durable-zero-downtime:routing.versions' "
        f"'{json.dumps(remaining)}'"
    )
    return Retirement(route, (), change)


def _never_recorded(tracking: TrackingStore, owner: HubAddress, minor: str) -> ConfigurationError:
    with open_source(owner, tracking.retry, all_hubs=True) as store:
        recorded = {r.task_hub for r in store.instances(include_entities=True) if r.task_hub}
    return ConfigurationError(
        f"hub {owner.hub.name!r} of {minor} never recorded an instance in "
        f"{owner.hub.instances_table}, so its app may write under another hub name; "
        f"hubs recorded there: {', '.join(sorted(recorded)) or 'none'}",
        fix="check the hub the app really runs (its hubName setting) and "
        "`routes sync` it, or check the tracking store connection",
    )
