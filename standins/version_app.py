"""A stand-in for one version's function app, for the rehearsal and the router benchmark.

It runs no functions: it answers every request with its name (`STAND_IN_NAME`) and the
path it was asked for, so a caller sees which app the router picked.
"""

import os

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

NAME = os.environ.get("STAND_IN_NAME", "backend")


async def answer(request: Request) -> JSONResponse:
    return JSONResponse({"app": NAME, "path": request.url.path})


app = Starlette(routes=[Route("/{path:path}", answer, methods=["GET", "POST"])])
