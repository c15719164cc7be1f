"""Real HTTP servers on loopback for tests: uvicorn in a thread, on a free port."""

from __future__ import annotations

import json
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from standins.serve import serve_in_thread as serve

__all__ = ["as_json", "echo_backend", "serve"]


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
                "raw_path": bytes(request.scope.get("raw_path", b"")).decode("latin-1"),
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
