"""Azure Functions host for the router: the same ASGI app, behind AsgiFunctionApp."""

import os

import azure.functions as func
from router.settings import app_from_settings

app = func.AsgiFunctionApp(
    app=app_from_settings(os.environ), http_auth_level=func.AuthLevel.ANONYMOUS
)
