"""Deciding where a request goes: by instance first, then by the version it names.

A request about an existing instance (its id in the path after `instances/`, or in an
`instanceId` query parameter) goes to the app that owns the instance, found from the
shared Instances table: old instances keep reaching their old version's app after newer
versions take new work. Anything else goes by `x-app-version` (or `?version=`), only
major.minor counting, or to the current version when none is named.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from taskhub.routes import Route, RouteState, RouteTable, major_minor

VERSION_HEADER = "x-app-version"
_INSTANCE_IN_PATH = re.compile(r"/instances/([^/]+)")


@dataclass(frozen=True)
class Decision:
    route: Route | None
    status: int = 200
    error: str = ""
    detail: dict[str, object] | None = None


def instance_id_of(path: str, query: Mapping[str, str]) -> str | None:
    if query.get("instanceId"):
        return query["instanceId"]
    match = _INSTANCE_IN_PATH.search(path)
    return unquote(match.group(1)) if match else None


def decide(
    table: RouteTable,
    path: str,
    query: Mapping[str, str],
    headers: Mapping[str, str],
    owner_hub: Callable[[str], str | None],
) -> Decision:
    instance_id = instance_id_of(path, query)
    if instance_id:
        hub = owner_hub(instance_id)
        route = table.by_hub(hub) if hub else None
        if route is None or route.state is RouteState.RETIRED:
            return Decision(None, 404, "unknown instance", {"instanceId": instance_id})
        return Decision(route)
    named = headers.get(VERSION_HEADER) or query.get("version")
    if not named:
        current = table.current
        if current is None:
            return Decision(None, 503, "no current version is set", {"active": table.active})
        return Decision(current)
    minor = major_minor(named)
    if minor is None:
        return Decision(
            None, 400, "malformed version", {"version": named, "expected": "major.minor[.patch]"}
        )
    route = table.routes.get(minor)
    if route is None or route.state is not RouteState.ACTIVE:
        return Decision(
            None, 404, "unknown or retired version", {"version": named, "active": table.active}
        )
    return Decision(route)
