"""A fault-injecting HTTP proxy in front of Azurite, for tests: loopback only, bounded.

Requests pass through to Azurite unchanged (the path is kept, so SharedKey signatures
stay valid: the Table service signs the account and path, not the host), except those a
queued `Fault` matches. Each fault fires a bounded number of times, and a stall sleeps a
bounded time, so a test can never hang on the proxy. The faults are what a real path to
Azure Storage produces: 503 and 429 bursts (ServerBusy, throttling), a response slower
than the client's read timeout, a body cut short, a body that is not JSON (a captive portal
or a proxy's error page), a 404 without a service error code, and a first page that is
empty but carries a continuation token (the service may end a page early at any time:
"Query Timeout and Pagination" in the Table service REST reference).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from standins.azurite import Azurite
from tests.support.servers import serve

CONTINUATION_MARK = "fault-proxy-page"
_NEXT_KEYS = ("NextPartitionKey", "NextRowKey")


class Kind(StrEnum):
    STATUS = "status"
    STALL = "stall"
    TRUNCATE = "truncate"
    NOT_JSON = "not-json"
    EMPTY_PAGE = "empty-page"


def is_query(request: Request) -> bool:
    """A query of entities (what the gate sends), not a table or batch operation."""
    return request.method == "GET" and request.url.path.endswith(")")


def is_write(request: Request) -> bool:
    return request.method in ("POST", "PUT", "PATCH", "MERGE", "DELETE")


@dataclass
class Fault:
    kind: Kind
    times: int = 1
    status: int = 503
    seconds: float = 0.0
    when: Callable[[Request], bool] = is_query
    skip: int = 0
    """Matching requests to let through before the fault starts firing."""


class FaultProxy:
    """The proxy's state: queued faults, and every request it saw (method and path)."""

    def __init__(self, upstream: str) -> None:
        self.upstream = upstream
        self.faults: list[Fault] = []
        self.seen: list[tuple[str, str]] = []
        self.client = httpx.AsyncClient(timeout=30)

    def add(self, *faults: Fault) -> None:
        self.faults.extend(faults)

    def _next_fault(self, request: Request) -> Fault | None:
        for fault in self.faults:
            if fault.times > 0 and fault.when(request):
                if fault.skip:
                    fault.skip -= 1
                    return None
                fault.times -= 1
                return fault
        return None

    async def _forward(self, request: Request, query: str) -> httpx.Response:
        headers = [(k, v) for k, v in request.headers.items() if k.lower() != "host"]
        url = self.upstream + request.scope["raw_path"].decode() + ("?" + query if query else "")
        return await self.client.request(
            request.method, url, headers=headers, content=await request.body()
        )

    async def handle(self, request: Request) -> Response:
        self.seen.append((request.method, request.url.path))
        # The raw query goes upstream unchanged (re-encoding could change what it means),
        # except our made-up continuation token: the client followed it, so resume at the
        # real first page.
        query = "&".join(
            part
            for part in request.scope["query_string"].decode().split("&")
            if part not in {f"{k}={CONTINUATION_MARK}" for k in _NEXT_KEYS}
        )
        fault = self._next_fault(request)
        if fault is None:
            return _relay(await self._forward(request, query))
        if fault.kind is Kind.STATUS:
            body = {"odata.error": {"code": "ServerBusy", "message": {"value": "injected"}}}
            if fault.status == 404:
                return Response("Not Found", status_code=404, media_type="text/plain")
            return Response(json.dumps(body), fault.status, media_type="application/json")
        if fault.kind is Kind.STALL:
            await asyncio.sleep(fault.seconds)
            return _relay(await self._forward(request, query))
        if fault.kind is Kind.NOT_JSON:
            page = "<html><body>proxy error page</body></html>"
            return Response(page, 200, media_type="text/html")
        if fault.kind is Kind.EMPTY_PAGE:
            return Response(
                json.dumps({"value": []}),
                200,
                media_type="application/json;odata=minimalmetadata",
                headers={f"x-ms-continuation-{k}": CONTINUATION_MARK for k in _NEXT_KEYS},
            )
        upstream = await self._forward(request, query)
        cut = upstream.content[: max(1, len(upstream.content) // 2)]
        return Response(cut, upstream.status_code, media_type=upstream.headers.get("content-type"))


def _relay(upstream: httpx.Response) -> Response:
    drop = {"content-length", "content-encoding", "transfer-encoding", "connection"}
    headers = {k: v for k, v in upstream.headers.items() if k.lower() not in drop}
    return Response(upstream.content, upstream.status_code, headers=headers)


@contextmanager
def fault_proxy(azurite: Azurite) -> Iterator[tuple[FaultProxy, str]]:
    """The proxy in front of `azurite`'s table port, and its base URL."""
    proxy = FaultProxy(f"http://127.0.0.1:{azurite.table_port}")
    methods = ["GET", "POST", "PUT", "PATCH", "MERGE", "DELETE", "HEAD"]
    app = Starlette(routes=[Route("/{path:path}", proxy.handle, methods=methods)])
    with serve(app) as url:
        yield proxy, url


def through(azurite: Azurite, account: str, proxy_url: str) -> str:
    """`azurite`'s connection string for `account`, pointed at the proxy."""
    return azurite.connection_string(account).replace(
        azurite.table_endpoint(account), f"{proxy_url.rstrip('/')}/{account}"
    )
