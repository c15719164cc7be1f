"""The router's ASGI app alone: its cost per request in this process, no sockets.

Under Azure Functions the host, not uvicorn, parses HTTP and hands the worker a request,
so what the router itself adds there is its ASGI app: header reading, the decision, the
owner cache, relaying the answer. The upstream is an in-memory answer (the backend's own
headers and body, as bench/router.py's backend sends them), so nothing but the app runs.
"""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from taskhub.routes import Route, RouteTable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "apps" / "router"))

from router.app import create_app
from router.hosts import AllowedHosts
from router.upstream import Origin

BODY = b'{"app":"backend","path":"/api/orders"}'
HEADERS = (
    (b"date", b"Mon, 07 Dec 2026 00:00:00 GMT"),
    (b"server", b"uvicorn"),
    (b"content-length", str(len(BODY)).encode()),
    (b"content-type", b"application/json"),
)
REQUESTS = {
    "new-start": (b"/api/orders", b""),
    "affine-warm": (b"/api/instances/bench-1", b""),
    "named": (b"/api/orders", b"version=1.0.2"),
}


class _Answer:
    status = 200
    raw_headers = HEADERS

    async def chunks(self) -> AsyncIterator[bytes]:
        yield BODY

    async def read(self) -> bytes:
        return BODY

    def release(self) -> None:
        return None


class InMemoryUpstream:
    async def request(
        self, method: str, origin: Origin, target: str, headers: list[tuple[str, str]], body: Any
    ) -> _Answer:
        return _Answer()

    async def close(self) -> None:
        return None


def per_request_us(requests: int = 10_000) -> dict[str, float]:
    table = RouteTable.of([Route("1.0", "bench", "http://127.0.0.1:1", "1.0.0", "H", current=True)])

    async def owner(_instance_id: str) -> str:
        return "H"

    app = create_app(
        lambda: table,
        owner,
        public_url="http://127.0.0.1:2",
        allowed_hosts=AllowedHosts(["http://127.0.0.1"]),
        upstream=InMemoryUpstream(),
    )

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(_message: dict[str, Any]) -> None:
        return None

    async def measure(path: bytes, query: bytes) -> float:
        scope = {
            "type": "http",
            "method": "GET",
            "path": path.decode(),
            "raw_path": path,
            "query_string": query,
            "headers": [(b"host", b"127.0.0.1:8000"), (b"user-agent", b"wrk")],
            "client": ("127.0.0.1", 50000),
        }
        for _ in range(500):  # warm: the route table, the owner cache
            await app(scope, receive, send)
        best = float("inf")
        for _ in range(3):  # the least disturbed of three runs, on this shared machine
            started = time.perf_counter()
            for _ in range(requests):
                await app(scope, receive, send)
            best = min(best, time.perf_counter() - started)
        return best / requests * 1e6

    async def run() -> dict[str, float]:
        return {name: await measure(*target) for name, target in REQUESTS.items()}

    return asyncio.run(run())


def print_costs(costs: dict[str, float]) -> None:
    for name, us in costs.items():
        print(f"in-process {name:12} {us:6.1f} us/request")


def main() -> int:
    """Prints each request's cost; it has no ratio of its own (bench/router.py sets it
    beside the socket figures)."""
    print_costs(per_request_us())
    return 0


if __name__ == "__main__":
    sys.exit(main())
