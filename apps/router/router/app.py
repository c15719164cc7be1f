"""The router as an ASGI app (starlette + httpx): runs under uvicorn, or in Azure Functions
through `AsgiFunctionApp` (see function_app.py).

It forwards method, path, query, headers (hop-by-hop removed) and a streamed body, adds
`x-routed-version`, and answers 502 when the app is unreachable, 504 on a timeout. Bodies
come back streamed and untouched, except a starter's 202 status payload, whose URLs are
rewritten to the router (status_urls.py). Nothing on the way blocks the event loop: the
owner lookup is an async table read behind an LRU cache (owners.py), and only a route
table refresh (once per `refresh` seconds) takes a thread. It
never forwards to a host that is not in the route table, so it is no open proxy. The path
and query are forwarded as the raw bytes the decision was made on (see routing.py), so
the app receives exactly the request the router judged.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from urllib.parse import parse_qsl, quote

import httpx
from starlette.applications import Starlette
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route as Endpoint

from router.owners import OwnerCache, OwnerLookup
from router.routing import CLIENT_HEADER, VERSION_HEADER, decide
from router.status_urls import MAX_REWRITTEN_BODY, StatusUrlRewriter
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
# Many concurrent clients share a few app hosts: keep plenty of connections to each warm.
POOL = httpx.Limits(max_connections=1000, max_keepalive_connections=500, keepalive_expiry=30)


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
    owner_hub: OwnerLookup,
    *,
    refresh: float = 30.0,
    timeout: float = 30.0,
    public_url: str | None = None,
    negative_ttl: float = 2.0,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """`public_url`: the router's own base URL for rewritten status URLs; by default the
    scheme and Host of each request (what the client called). `on_shutdown` closes what
    the owner lookup holds (its async table client), on the server's own loop."""
    cache = RouteCache(load_routes, refresh)
    owners = OwnerCache(owner_hub, negative_ttl=negative_ttl)
    client = httpx.AsyncClient(timeout=timeout, follow_redirects=False, limits=POOL)

    async def forward(request: Request) -> Response:
        table = await cache.get()
        if table is None:
            return _error(503, "route table unavailable")
        if len(request.headers.getlist(VERSION_HEADER)) > 1:
            return _error(400, f"header {VERSION_HEADER} is repeated")
        raw_path = _raw_path(request)
        raw_query = request.scope.get("query_string", b"").decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True)
        headers = request.headers
        client_key = headers.get(CLIENT_HEADER) or (request.client.host if request.client else "")
        decision = await decide(table, raw_path, query, headers, owners, client_key)
        if decision.route is None:
            return _error(decision.status, decision.error, decision.detail)

        def rewriter() -> StatusUrlRewriter:
            bases = (r.base_url for r in table.routes.values())
            return StatusUrlRewriter(bases, public_url or str(request.base_url))

        return await _proxy(client, request, decision.route, raw_path, raw_query, rewriter)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        await client.aclose()
        if on_shutdown is not None:
            await on_shutdown()

    return Starlette(routes=[Endpoint("/{path:path}", forward, methods=METHODS)], lifespan=lifespan)


def _raw_path(request: Request) -> str:
    """The path as received, still percent-encoded; hosts that give only the decoded path
    (no `raw_path` in the scope) get it encoded once, so decoding it gives it back."""
    raw = request.scope.get("raw_path")
    if raw:
        return bytes(raw).decode("latin-1")
    return quote(request.scope.get("path", "/"), safe="/")


async def _proxy(
    client: httpx.AsyncClient,
    request: Request,
    route: Route,
    raw_path: str,
    raw_query: str,
    rewriter: Callable[[], StatusUrlRewriter],
) -> Response:
    """Forwards the request; `rewriter` is built only for answers that carry status URLs."""
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
    raw_headers = [
        (k.encode("latin-1"), v.encode("latin-1"))
        for k, v in response.headers.multi_items()
        if k.lower() not in HOP_BY_HOP
    ] + [(b"x-routed-version", route.version.encode("latin-1"))]
    if "location" in response.headers:
        to_router = rewriter()
        raw_headers = [
            (k, to_router.url(v.decode("latin-1")).encode("latin-1") if k == b"location" else v)
            for k, v in raw_headers
        ]
    if _is_status_payload(response):
        content = await response.aread()
        rewritten = rewriter().body(content)
        answer = Response(rewritten if rewritten is not None else content, response.status_code)
        # Raw pairs keep repeated headers (Set-Cookie) that a mapping would merge.
        answer.raw_headers = [(k, v) for k, v in raw_headers if k != b"content-length"] + [
            (b"content-length", str(len(answer.body)).encode())
        ]
        return answer
    streamed = StreamingResponse(
        response.aiter_raw(),
        status_code=response.status_code,
        background=BackgroundTask(response.aclose),
    )
    streamed.raw_headers = raw_headers
    return streamed


def _is_status_payload(response: httpx.Response) -> bool:
    """A small uncompressed JSON 202: what a starter's check-status answer looks like."""
    headers = response.headers
    length = headers.get("content-length", "")
    return (
        response.status_code == 202
        and headers.get("content-type", "").startswith("application/json")
        and "content-encoding" not in headers
        and length.isdigit()
        and int(length) <= MAX_REWRITTEN_BODY
    )
