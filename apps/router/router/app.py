"""The router as an ASGI app (starlette + httpx): runs under uvicorn, or in Azure Functions
through `AsgiFunctionApp` (see function_app.py).

It forwards method, path, query, headers (hop-by-hop removed) and a streamed body, adds
`x-routed-version`, and answers 502 when the app is unreachable, 504 on a timeout. It
never forwards to a host that is not in the route table, so it is no open proxy. The path
and query are forwarded as the raw bytes the decision was made on (see routing.py), so
the app receives exactly the request the router judged.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Callable
from urllib.parse import parse_qsl, quote

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route as Endpoint

from router.routing import VERSION_HEADER, decide
from taskhub.routes import Route, RouteTable

HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
    }
)
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]


class RouteCache:
    """The route table, reloaded every `refresh` seconds; the last good one survives outages."""

    def __init__(self, load: Callable[[], RouteTable], refresh: float) -> None:
        self._load, self._refresh = load, refresh
        self._table: RouteTable | None = None
        self._loaded_at = 0.0

    async def get(self) -> RouteTable | None:
        if self._table is None or time.monotonic() - self._loaded_at >= self._refresh:
            try:
                self._table = await run_in_threadpool(self._load)
                self._loaded_at = time.monotonic()
            except Exception:
                self._loaded_at = time.monotonic() - self._refresh / 2 if self._table else 0.0
        return self._table


def _error(status: int, message: str, detail: dict[str, object] | None = None) -> JSONResponse:
    return JSONResponse({"error": message, **(detail or {})}, status_code=status)


def create_app(
    load_routes: Callable[[], RouteTable],
    owner_hub: Callable[[str], str | None],
    *,
    refresh: float = 30.0,
    timeout: float = 30.0,
) -> Starlette:
    cache = RouteCache(load_routes, refresh)
    client = httpx.AsyncClient(timeout=timeout, follow_redirects=False)

    async def forward(request: Request) -> Response:
        table = await cache.get()
        if table is None:
            return _error(503, "route table unavailable")
        if len(request.headers.getlist(VERSION_HEADER)) > 1:
            return _error(400, f"header {VERSION_HEADER} is repeated")
        raw_path = _raw_path(request)
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in request.headers.items()}
        # The instance lookup is a blocking point read: keep it off the event loop.
        decision = await run_in_threadpool(decide, table, raw_path, query, headers, owner_hub)
        if decision.route is None:
            return _error(decision.status, decision.error, decision.detail)
        return await _proxy(client, request, decision.route, raw_path, raw_query)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()

    return Starlette(routes=[Endpoint("/{path:path}", forward, methods=METHODS)], lifespan=lifespan)


def _raw_path(request: Request) -> str:
    """The path as received, still percent-encoded; hosts that give only the decoded path
    (no `raw_path` in the scope) get it encoded once, so decoding it gives it back."""
    raw = request.scope.get("raw_path")
    if raw:
        return bytes(raw).decode("latin-1")
    return quote(request.scope.get("path", "/"), safe="/")


async def _proxy(
    client: httpx.AsyncClient, request: Request, route: Route, raw_path: str, raw_query: str
) -> Response:
    base = httpx.URL(route.base_url)
    forwarded = base.raw_path.split(b"?")[0].rstrip(b"/") + raw_path.encode("latin-1")
    target = base.copy_with(
        raw_path=forwarded + (b"?" + raw_query.encode("latin-1") if raw_query else b"")
    )
    if (target.scheme, target.host, target.port) != (base.scheme, base.host, base.port):
        return _error(400, "request target leaves the route table's host")
    headers = [(k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP]
    headers += [
        ("x-routed-version", route.version),
        ("x-forwarded-host", request.headers.get("host", "")),
    ]
    outgoing = client.build_request(
        request.method, target, headers=headers, content=request.stream()
    )
    try:
        response = await client.send(outgoing, stream=True)
    except httpx.TimeoutException:
        return _error(504, "the version's app timed out", {"version": route.version})
    except httpx.TransportError:
        return _error(502, "the version's app is unreachable", {"version": route.version})
    streamed = StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        background=BackgroundTask(response.aclose),
    )
    # Raw pairs keep repeated headers (Set-Cookie) that a mapping would merge.
    streamed.raw_headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in response.headers.multi_items()
        if k.lower() not in HOP_BY_HOP
    ] + [(b"x-routed-version", route.version.encode("latin-1"))]
    return streamed
