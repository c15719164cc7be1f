"""The router as an ASGI app (starlette, and aiohttp's client towards the apps): runs under
uvicorn, or in Azure Functions through `AsgiFunctionApp` (see function_app.py).

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
import functools
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote

import aiohttp
from multidict import CIMultiDict
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as Endpoint
from starlette.types import Receive, Scope, Send
from yarl import URL

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
# (aiohttp's pool, not httpx's: at 32 concurrent requests httpx's pool served a tenth of
# what one connection did; see bench/router.py.)
POOL: dict[str, Any] = {"limit": 1000, "limit_per_host": 0, "keepalive_timeout": 30.0}


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
    cache_size: int = 100_000,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> Starlette:
    """`public_url`: the router's own base URL for rewritten status URLs; by default the
    scheme and Host of each request (what the client called). `on_shutdown` closes what
    the owner lookup holds (its async table client), on the server's own loop."""
    cache = RouteCache(load_routes, refresh)
    owners = OwnerCache(owner_hub, size=cache_size, negative_ttl=negative_ttl)
    sessions: list[aiohttp.ClientSession] = []

    def client() -> aiohttp.ClientSession:
        """One pooled session, opened on the server's loop by its first request."""
        if not sessions:
            sessions.append(
                aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(**POOL),
                    timeout=aiohttp.ClientTimeout(total=timeout),
                    auto_decompress=False,  # bodies pass through as the app sent them
                    skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
                )
            )
        return sessions[0]

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

        return await _proxy(client(), request, decision.route, raw_path, raw_query, rewriter)

    @contextlib.asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        yield
        for session in sessions:
            await session.close()
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
    client: aiohttp.ClientSession,
    request: Request,
    route: Route,
    raw_path: str,
    raw_query: str,
    rewriter: Callable[[], StatusUrlRewriter],
) -> Response:
    """Forwards the request; `rewriter` is built only for answers that carry status URLs."""
    origin, prefix = _split_base(route.base_url)
    target = URL(origin + prefix + raw_path + ("?" + raw_query if raw_query else ""), encoded=True)
    if target.origin() != URL(origin):
        return _error(400, "request target leaves the route table's host")
    headers = CIMultiDict((k, v) for k, v in request.headers.items() if k.lower() not in HOP_BY_HOP)
    headers["x-routed-version"] = route.version
    headers["x-forwarded-host"] = request.headers.get("host", "")
    has_body = "content-length" in headers or "transfer-encoding" in request.headers
    try:
        response = await client.request(
            request.method,
            target,
            headers=headers,
            data=request.stream() if has_body else None,
            allow_redirects=False,
        )
    except TimeoutError:
        return _error(504, "the version's app timed out", {"version": route.version})
    except aiohttp.ClientError:
        return _error(502, "the version's app is unreachable", {"version": route.version})
    # Raw pairs keep repeated headers (Set-Cookie) that a mapping would merge.
    raw_headers = [
        (k.lower(), v) for k, v in response.raw_headers if k.lower().decode() not in HOP_BY_HOP
    ] + [(b"x-routed-version", route.version.encode("latin-1"))]
    if "location" in response.headers:
        to_router = rewriter()
        raw_headers = [
            (k, to_router.url(v.decode("latin-1")).encode("latin-1") if k == b"location" else v)
            for k, v in raw_headers
        ]
    if _is_status_payload(response):
        try:
            content = await response.read()
        finally:
            response.release()
        rewritten = rewriter().body(content)
        answer = Response(rewritten if rewritten is not None else content, response.status)
        answer.raw_headers = [(k, v) for k, v in raw_headers if k != b"content-length"] + [
            (b"content-length", str(len(answer.body)).encode())
        ]
        return answer
    return _Relayed(response, raw_headers)


class _Relayed(Response):
    """The app's answer, streamed chunk by chunk as it arrives.

    Not StreamingResponse: under ASGI 2.3 (uvicorn) that one starts a task group per
    response to watch for a disconnect, which cost more than the whole relay here; a
    client that goes away makes `send` raise, which ends the relay the same way.
    """

    def __init__(self, response: aiohttp.ClientResponse, raw_headers: list[tuple[bytes, bytes]]):
        self.upstream = response
        self.status_code = response.status
        self.raw_headers = raw_headers
        self.background = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await send(
                {
                    "type": "http.response.start",
                    "status": self.status_code,
                    "headers": self.raw_headers,
                }
            )
            async for chunk in self.upstream.content.iter_any():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b"", "more_body": False})
        finally:
            self.upstream.release()


@functools.lru_cache(maxsize=256)
def _split_base(base_url: str) -> tuple[str, str]:
    """A route's base URL as (origin, path prefix without a trailing slash), parsed once."""
    base = URL(base_url)
    return str(base.origin()), base.raw_path.rstrip("/")


def _is_status_payload(response: aiohttp.ClientResponse) -> bool:
    """A small uncompressed JSON 202: what a starter's check-status answer looks like."""
    headers = response.headers
    length = headers.get("content-length", "")
    return (
        response.status == 202
        and headers.get("content-type", "").startswith("application/json")
        and "content-encoding" not in headers
        and length.isdigit()
        and int(length) <= MAX_REWRITTEN_BODY
    )
