"""Azure Functions host for the router: the same ASGI app, behind one catch-all function
that keeps the request's path undecoded (router/functions_host.py says why not
AsgiFunctionApp)."""

import os

from router.functions_host import CLIENT_ADDRESS_HEADER, function_app
from router.settings import app_from_settings

app = function_app(app_from_settings(os.environ, client_address_header=CLIENT_ADDRESS_HEADER))
