"""The router as a plain ASGI app: runs under uvicorn, or in Azure Functions through
`functions_host.py` (see function_app.py).

Plain ASGI, no framework routing: every request takes the same path (a catch-all proxy),
and starlette's middleware, routing and request and response objects around it cost about
6% of the event loop (docs/routing.md, the profile). The decision (routing.py) stays apart
from the transport (upstream.py, pool.py), so the in-process bench measures the app alone.

It forwards method, path, query, the headers `incoming.py` keeps and a streamed body to
the route's app, adds `x-routed-version`, and answers 502 when the app is unreachable, 504
on a timeout. Bodies come back streamed and untouched, except a starter's 202 status
payload, whose URLs are rewritten to the router's configured public URL (status_urls.py;
never the `Host` header, which the caller chooses). Nothing on the way blocks the event
loop: the owner lookup is an async table read behind a cache (owners.py), and only a
route-table refresh (once per `refresh` seconds) takes a thread. It forwards only to a
route's host, and only when `RouterAllowedHosts` allows it (hosts.py), so it is no open
proxy and a written route row cannot aim it anywhere. The path and query are forwarded as
the raw bytes the decision was made on (routing.py).
"""

from __future__ import annotations

import asyncio
import functools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, quote

from router.hosts import AllowedHosts
from router.incoming import HOP_BY_HOP, MAX_HEADERS, read_headers
from router.owners import DEFAULT_CACHE_BYTES, OwnerCache, OwnerLookup
from router.pool import HttpPool
from router.routing import VERSION_HEADER, decide
from router.status_urls import MAX_REWRITTEN_BODY, StatusUrlRewriter
from router.upstream import Answer, Origin, Upstream, UpstreamTimeout, UpstreamUnreachable
from taskhub.routes import ROUTER_ALLOWED_HOSTS_SETTING, Route, RouteTable

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]
METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_JSON = [(b"content-type", b"application/json")]


class RouteCache:
    """The route table, reloaded every `refresh` seconds; the last good one survives outages."""

    def __init__(self, load: Callable[[], RouteTable], refresh: float) -> None:
        self._load, self._refresh = load, refresh
        self._table: RouteTable | None = None
        self._loaded_at = 0.0

    async def get(self) -> RouteTable | None:
        if self._table is None or time.monotonic() - self._loaded_at >= self._refresh:
            try:
                self._table = await asyncio.to_thread(self._load)
                self._loaded_at = time.monotonic()
            except Exception:
                self._loaded_at = time.monotonic() - self._refresh / 2 if self._table else 0.0
        return self._table


class Router:
    def __init__(
        self,
        routes: RouteCache,
        owners: OwnerCache,
        upstream: Upstream,
        *,
        public_url: str,
        allowed_hosts: AllowedHosts,
        client_address_header: str | None = None,
        on_shutdown: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        self.routes, self.owners, self.upstream = routes, owners, upstream
        self.public_url = public_url
        self.allowed_hosts = allowed_hosts
        self._address_header = (
            client_address_header.lower().encode() if client_address_header else None
        )
        self._on_shutdown = on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            await self._http(scope, receive, send)
        elif scope["type"] == "lifespan":
            await self._lifespan(receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.close()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def close(self) -> None:
        """Closes the pool and what the owner lookup holds, on the loop that opened them."""
        await self.upstream.close()
        if self._on_shutdown is not None:
            await self._on_shutdown()

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in METHODS:
            return await _error(send, 405, "method not allowed")
        incoming = read_headers(scope["headers"], self._address_header)
        if incoming.count > MAX_HEADERS:
            return await _error(send, 431, f"more than {MAX_HEADERS} header fields")
        if incoming.content_length and incoming.transfer_encoding:
            return await _error(
                send, 400, "Content-Length and Transfer-Encoding together (RFC 9112 6.1)"
            )
        if len(incoming.versions) > 1:
            return await _error(send, 400, f"header {VERSION_HEADER} is repeated")
        table = await self.routes.get()
        if table is None:
            return await _error(send, 503, "route table unavailable")
        raw_path = raw_path_of(scope)
        raw_query = scope.get("query_string", b"").decode("latin-1")
        query = parse_qsl(raw_query, keep_blank_values=True) if raw_query else []
        client = scope.get("client")
        client_key = incoming.client_id or (
            incoming.client_address if self._address_header else (client[0] if client else "")
        )
        version = incoming.versions[0] if incoming.versions else None
        decision = await decide(table, raw_path, query, version, self.owners, client_key)
        route = decision.route
        if route is None:
            return await _error(send, decision.status, decision.error, decision.detail)
        if not self.allowed_hosts.allows(route.base_url):
            return await _error(
                send,
                502,
                f"the version's app is not on a host {ROUTER_ALLOWED_HOSTS_SETTING} allows",
                {"version": route.version},
            )
        if not raw_path.startswith("/"):
            # Appended to the route's origin, anything else could change its authority.
            return await _error(send, 400, "the request target is not an absolute path")
        origin = _origin(route.base_url)
        target = origin.prefix + raw_path + ("?" + raw_query if raw_query else "")
        headers = incoming.forward
        headers.append(("x-routed-version", route.version))
        has_body = incoming.content_length or incoming.transfer_encoding
        try:
            answer = await self.upstream.request(
                scope["method"], origin, target, headers, _body(receive) if has_body else None
            )
        except UpstreamTimeout:
            return await _error(
                send, 504, "the version's app timed out", {"version": route.version}
            )
        except UpstreamUnreachable:
            return await _error(
                send, 502, "the version's app is unreachable", {"version": route.version}
            )
        await self._relay(answer, route, table, send)

    async def _relay(self, answer: Answer, route: Route, table: RouteTable, send: Send) -> None:
        try:
            status = answer.status
            # Raw pairs keep repeated headers (Set-Cookie) that a mapping would merge.
            headers = []
            location = False
            for name, value in answer.raw_headers:
                name = name.lower()
                if name in HOP_BY_HOP:
                    continue
                location = location or name == b"location"
                headers.append((name, value))
            headers.append((b"x-routed-version", route.version.encode("latin-1")))
            if location:
                rewriter = self._rewriter(table)
                headers = [
                    (
                        k,
                        rewriter.url(v.decode("latin-1")).encode("latin-1")
                        if k == b"location"
                        else v,
                    )
                    for k, v in headers
                ]
            if status == 202 and _is_status_payload(headers):
                content = await answer.read()
                rewritten = self._rewriter(table).body(content)
                body = rewritten if rewritten is not None else content
                headers = [(k, v) for k, v in headers if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({"type": "http.response.start", "status": status, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send({"type": "http.response.start", "status": status, "headers": headers})
            async for chunk in answer.chunks():
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
            await send({"type": "http.response.body", "body": b""})
        finally:
            answer.release()

    def _rewriter(self, table: RouteTable) -> StatusUrlRewriter:
        return StatusUrlRewriter((r.base_url for r in table.routes.values()), self.public_url)


def create_app(
    load_routes: Callable[[], RouteTable],
    owner_hub: OwnerLookup,
    *,
    public_url: str,
    allowed_hosts: AllowedHosts | None = None,
    refresh: float = 30.0,
    timeout: float = 30.0,
    negative_ttl: float = 2.0,
    cache_bytes: int = DEFAULT_CACHE_BYTES,
    client_address_header: str | None = None,
    upstream: Upstream | None = None,
    on_shutdown: Callable[[], Awaitable[None]] | None = None,
) -> Router:
    """`public_url`: the router's own base URL for rewritten status URLs.
    `client_address_header`: a header the platform sets to the client's address and a
    client cannot set (App Service's `client-ip`), for ramp buckets without `x-client-id`;
    None uses the connection's peer. `on_shutdown` closes what the owner lookup holds (its
    async table client), on the server's own loop."""
    return Router(
        RouteCache(load_routes, refresh),
        OwnerCache(owner_hub, max_bytes=cache_bytes, negative_ttl=negative_ttl),
        upstream or HttpPool(timeout),
        public_url=public_url,
        allowed_hosts=allowed_hosts or AllowedHosts(),
        client_address_header=client_address_header,
        on_shutdown=on_shutdown,
    )


def raw_path_of(scope: Scope) -> str:
    """The path as received, still percent-encoded; hosts that give only the decoded path
    (no `raw_path` in the scope) get it encoded once, so decoding it gives it back."""
    raw = scope.get("raw_path")
    if raw:
        return bytes(raw).decode("latin-1")
    return quote(scope.get("path", "/"), safe="/")


async def _body(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        if chunk:
            yield chunk
        if not message.get("more_body", False):
            return


async def _error(
    send: Send, status: int, message: str, detail: dict[str, object] | None = None
) -> None:
    body = json.dumps({"error": message, **(detail or {})}).encode()
    headers = [*_JSON, (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


@functools.lru_cache(maxsize=256)
def _origin(base_url: str) -> Origin:
    """A route's base URL, parsed once."""
    return Origin.of(base_url)


def _is_status_payload(headers: list[tuple[bytes, bytes]]) -> bool:
    """A small uncompressed JSON answer: what a starter's 202 check-status answer is."""
    named = dict(headers)
    length = named.get(b"content-length", b"")
    return (
        named.get(b"content-type", b"").startswith(b"application/json")
        and b"content-encoding" not in named
        and length.isdigit()
        and int(length) <= MAX_REWRITTEN_BODY
    )
