"""Deciding where a request goes: by instance first, then by the version it names.

A request about an existing instance (its id in the path after `instances/`, or in an
`instanceId` query parameter) goes to the app that owns it, found from the shared
Instances table: old instances keep reaching their old version's app after newer
versions take new work. Anything else goes by `x-app-version` (or `?version=`), only
major.minor counting, or, when none is named (a new start), to the current version, or to
a ramping version for the share of client keys its ramp names: a stable hash of the key
(`x-client-id`, else the client address) puts each client in one of 100 buckets, so one
client keeps seeing one version and raising the ramp only adds clients to it. A request
that names two versions (`x-app-version` and a `?version=` of another major.minor) is
refused: the router would route by one and the app could start the other.

The decision is made on exactly the bytes that are forwarded: the raw path as received,
each segment percent-decoded once (`a%2Fb` is one id; `p%2541` is `p%41`). Anything that
two readers could understand differently is refused with 400 before any decision: a dot
segment (`..`, `%2e%2e`, `..%2F`, which a backend may resolve above the version's base
path), a path that is not UTF-8, a repeated `instanceId` or `version`, or a path and a
query naming two different instances.
"""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import unquote_to_bytes

from taskhub.routes import MAX_VERSION_LENGTH, Route, RouteState, RouteTable
from taskhub.routes import routable_minor as _routable_minor

VERSION_HEADER = "x-app-version"
CLIENT_HEADER = "x-client-id"
INSTANCE_SEGMENT = "instances"
INSTANCE_PARAMETER = "instanceid"
VERSION_PARAMETER = "version"
MAX_INSTANCE_ID_LENGTH = 256
"""DurableTask's limit (azure-functions-durable-extension DurableClient.StartNewAsync:
"Instance ID lengths must not exceed 256 characters", counted in UTF-16 code units as
.NET's string.Length counts them)."""
_SEPARATORS = re.compile(r"[/\\]")
routable_minor = functools.lru_cache(maxsize=1024)(_routable_minor)
"""Parsed once per version string: clients name few versions (a bounded cache if not)."""
_DOT_SEGMENTS = frozenset({".", ".."})

Query = Mapping[str, str] | Sequence[tuple[str, str]]


class OwnerUnavailable(Exception):
    """The instance store could not be read: which app owns the instance is unknown."""


@dataclass(frozen=True)
class Decision:
    route: Route | None
    status: int = 200
    error: str = ""
    detail: dict[str, object] | None = None


class Refused(Exception):
    """A request the router will not route: answered 400 with `detail`."""

    def __init__(self, error: str, **detail: object) -> None:
        super().__init__(error)
        self.error = error
        self.detail = detail


def path_segments(raw_path: str) -> list[str]:
    """The segments of a raw (percent-encoded) path, each decoded exactly once."""
    if raw_path.isascii() and "%" not in raw_path:
        # Nothing to decode (the common case): only dot segments to look for.
        segments = raw_path.split("/")
        if "." in raw_path or "\\" in raw_path:
            _refuse_dot_segments(segments, raw_path)
        return segments
    segments = []
    for raw in raw_path.split("/"):
        try:
            segments.append(unquote_to_bytes(raw).decode("utf-8"))
        except UnicodeDecodeError:
            raise Refused("the path is not UTF-8 once percent-decoded") from None
    _refuse_dot_segments(segments, raw_path)
    return segments


def _refuse_dot_segments(segments: list[str], raw_path: str) -> None:
    for segment in segments:
        if any(part in _DOT_SEGMENTS for part in _SEPARATORS.split(segment)):
            raise Refused("dot segments ('.', '..', encoded or not) are refused", path=raw_path)


def _single(pairs: Sequence[tuple[str, str]], name: str) -> str | None:
    """The one value of query parameter `name` (matched case-insensitively, as the
    Functions host binds it); a repeated parameter is refused."""
    values = [v for k, v in pairs if k.lower() == name]
    if len(values) > 1:
        raise Refused(f"query parameter {name!r} is repeated", values=values)
    return values[0] if values else None


def _pairs(query: Query) -> list[tuple[str, str]]:
    return list(query.items()) if isinstance(query, Mapping) else list(query)


def instance_id_of(raw_path: str, query: Query) -> str | None:
    pairs = _pairs(query)
    from_query = _single(pairs, INSTANCE_PARAMETER) or None
    segments = path_segments(raw_path)
    from_path = next(
        (
            segments[i + 1]
            for i, s in enumerate(segments[:-1])
            if s.lower() == INSTANCE_SEGMENT and segments[i + 1]
        ),
        None,
    )
    if from_query and from_path and from_query != from_path:
        raise Refused("the path and the query name different instances")
    found = from_query or from_path
    if found and len(found.encode("utf-16-le", "surrogatepass")) > 2 * MAX_INSTANCE_ID_LENGTH:
        raise Refused(
            f"an instance id is at most {MAX_INSTANCE_ID_LENGTH} characters (DurableTask's limit)"
        )
    return found


def named_version(header: str | None, query: Query) -> str | None:
    """The version a request names; refused when the header and the query disagree."""
    parameter = _single(_pairs(query), VERSION_PARAMETER)
    if header and parameter is not None and routable_minor(parameter) != routable_minor(header):
        raise Refused(
            f"?{VERSION_PARAMETER}= names another version than {VERSION_HEADER}",
            header=header[:MAX_VERSION_LENGTH],
            query=parameter[:MAX_VERSION_LENGTH],
        )
    return header or parameter


def ramp_bucket(client_key: str) -> int:
    """0-99, the same for one key in every process and release (never Python's hash())."""
    digest = hashlib.sha256(client_key.encode("utf-8", "surrogatepass")).digest()
    return int.from_bytes(digest[:8], "big") % 100


async def decide(
    table: RouteTable,
    raw_path: str,
    query: Query,
    version_header: str | None,
    owner_hub: Callable[[str], Awaitable[str | None]],
    client_key: str = "",
) -> Decision:
    """Where the request goes; the owner is looked up only for instance-affine requests."""
    try:
        return await _decide(table, raw_path, query, version_header, owner_hub, client_key)
    except Refused as refused:
        return Decision(None, 400, refused.error, refused.detail)
    except OwnerUnavailable:
        return Decision(None, 503, "the instance store is unavailable; retry later")


async def _decide(
    table: RouteTable,
    raw_path: str,
    query: Query,
    version_header: str | None,
    owner_hub: Callable[[str], Awaitable[str | None]],
    client_key: str,
) -> Decision:
    named = named_version(version_header, query)
    instance_id = instance_id_of(raw_path, query)
    if instance_id:
        hub = await owner_hub(instance_id)
        route = table.by_hub(hub) if hub else None
        if route is None or route.state is RouteState.RETIRED:
            return Decision(None, 404, "unknown instance", {"instanceId": instance_id})
        return Decision(route)
    if not named:
        return _new_start(table, client_key)
    if len(named) > MAX_VERSION_LENGTH:
        return Decision(
            None, 400, "malformed version: too long", {"expected": "major.minor[.patch]"}
        )
    minor = routable_minor(named)
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


def _new_start(table: RouteTable, client_key: str) -> Decision:
    current, ramp = _new_start_routes(table)
    if current is None:
        marked = [r.minor for r in table.currents]
        error = "several versions are marked current" if marked else "no current version is set"
        return Decision(None, 503, error, {"active": table.active, "current": marked})
    if ramp is not None and ramp_bucket(client_key) < ramp.ramp:
        return Decision(ramp)
    return Decision(current)


_NEW_STARTS: list[tuple[RouteTable, Route | None, Route | None]] = []


def _new_start_routes(table: RouteTable) -> tuple[Route | None, Route | None]:
    """The current route and the one ramping route of `table`, worked out once per table
    (the router keeps one table between refreshes). Several ramps at once is a hand edit
    nobody can read one way: none of them applies."""
    if _NEW_STARTS and _NEW_STARTS[0][0] is table:
        return _NEW_STARTS[0][1], _NEW_STARTS[0][2]
    ramping = table.ramping
    routes = (table, table.current, ramping[0] if len(ramping) == 1 else None)
    _NEW_STARTS[:] = [routes]
    return routes[1], routes[2]
