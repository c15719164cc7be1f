"""A minimal stand-in backend for the router benchmark: answers a small JSON body."""

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route


async def answer(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True, "path": request.url.path})


app = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])
