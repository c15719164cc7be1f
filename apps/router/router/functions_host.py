"""The router under Azure Functions: the request's path as the host gave it, undecoded.

`AsgiFunctionApp` builds its ASGI scope from the worker's `HttpRequest.url` and decodes
the path on the way (azure-functions 1.26, `_http_wsgi.WsgiRequest.__init__`:
`path_info = unquote_to_bytes(url.path)`; `_http_asgi.AsgiRequest.to_asgi_http_scope`:
`raw_path = path_info.encode()`), so its `raw_path` is not raw. The URL itself is the
host's: `GrpcMessageConversionExtensions.ToRpcHttp` (azure-functions-host) writes
`{scheme}://{Host}{Path}{QueryString}`, where Kestrel has decoded the path once (every
`%XX` but `%2F`, dot segments resolved: aspnetcore `UrlDecoder`) and `PathString` escapes
it again for the URL (`ToUriComponent`: a character a path may not hold, `?` and `#`
included, becomes `%XX`; a `%XX` triple is kept). A router that takes `raw_path` from
`AsgiFunctionApp` decodes twice: `/api/raise%3FinstanceId=old-1` reaches it as the path
`/api/raise?instanceId=old-1`, is judged as no instance at all, and is forwarded with
`?instanceId=old-1` as a query: instance affinity bypassed.

So the router's function puts the URL's path, as the host wrote it, into `raw_path`: the
router decides on it decoded once and forwards exactly it, and the version app's host
decodes it once, as the router did. (What the client sent was already decoded once by the
router's own host; a `%25` the client meant as a literal `%` is the host's to lose, and
both sides then read the same thing.)
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func

from router.app import Receive, Router, Scope, Send

_URL: ContextVar[str] = ContextVar("router_request_url")
FUNCTION_NAME = "router"
CLIENT_ADDRESS_HEADER = "client-ip"
"""App Service's front end sets `client-ip` (address:port) on every request and overwrites
one a client sent, so it cannot be forged (Azure/app-service-linux-docs,
Things_You_Should_Know/headers.md); the Functions host passes every header to the worker."""


class HostPath:
    """ASGI wrapper: `raw_path` from the URL the host handed the worker."""

    def __init__(self, app: Router) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        url = _URL.get(None)
        if scope["type"] == "http" and url is not None:
            scope = {**scope, "raw_path": urlsplit(url).path.encode("utf-8")}
        await self.app(scope, receive, send)


def function_app(router: Router) -> func.FunctionApp:
    """One anonymous catch-all HTTP function in front of `router`, as AsgiFunctionApp
    declares its own (route `{*route}`, every method), with the URL kept for HostPath."""
    app = func.FunctionApp(http_auth_level=func.AuthLevel.ANONYMOUS)
    middleware = func.AsgiMiddleware(HostPath(router))  # type: ignore[no-untyped-call]
    started: list[bool] = []

    @app.function_name(name=FUNCTION_NAME)
    @app.route(route="{*route}", methods=list(func.HttpMethod), auth_level=func.AuthLevel.ANONYMOUS)
    async def route_all(req: func.HttpRequest, context: func.Context) -> Any:
        if not started:
            if not await middleware.notify_startup():  # type: ignore[no-untyped-call]
                raise RuntimeError("the router's ASGI startup failed")
            started.append(True)
        token = _URL.set(req.url)
        try:
            return await middleware.handle_async(req, context)
        finally:
            _URL.reset(token)

    return app
