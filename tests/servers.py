"""Real HTTP servers on loopback for tests: uvicorn in a thread, on a free port."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scripts.azurite import free_port


@contextmanager
def serve(app: Any) -> Iterator[str]:
    """Runs `app` under uvicorn on 127.0.0.1; yields its base URL."""
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def echo_backend(name: str, delay: float = 0.0) -> Starlette:
    """A stand-in for one version's function app: echoes what reached it."""

    async def echo(request: Request) -> JSONResponse:
        if delay:
            import asyncio

            await asyncio.sleep(delay)
        body = await request.body()
        return JSONResponse(
            {
                "backend": name,
                "method": request.method,
                "path": request.url.path,
                "query": request.url.query,
                "body": body.decode(),
                "headers": {k.lower(): v for k, v in request.headers.items()},
            },
            headers={"set-cookie": "a=1"},
        )

    return Starlette(
        routes=[Route("/{path:path}", echo, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])]
    )


def as_json(text: str) -> dict[str, Any]:
    result: dict[str, Any] = json.loads(text)
    return result
