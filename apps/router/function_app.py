"""Azure Functions host for the router: the same ASGI app, behind AsgiFunctionApp.

Settings: `RouterStorage` (connection string, or RouterStorage__accountName for an
identity) for the route table and the shared tracking store, and `TrackingStorePrefix`
(default DurableTask) for the shared Instances table.
"""

import os

import azure.functions as func
from router.app import create_app
from router.store import instance_owner, route_loader

from taskhub.connection import RetrySettings, StorageConnection

_connection = StorageConnection.from_setting("RouterStorage", os.environ)
_service = _connection.service_client(RetrySettings(total=2))
_prefix = os.environ.get("TrackingStorePrefix", "DurableTask")  # noqa: SIM112 (app setting)

app = func.AsgiFunctionApp(
    app=create_app(route_loader(_service), instance_owner(_service, f"{_prefix}Instances")),
    http_auth_level=func.AuthLevel.ANONYMOUS,
)
