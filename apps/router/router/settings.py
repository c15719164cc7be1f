"""Building the router from app settings, the same way in Azure Functions and under uvicorn.

`RouterStorage` (a connection string, or `RouterStorage__accountName` for an identity)
names the tracking store account holding both the route table and the shared Instances
table; `TrackingStorePrefix` (default DurableTask) its table prefix.
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.applications import Starlette

from router.app import create_app
from router.store import instance_owner, route_loader
from taskhub.connection import RetrySettings, StorageConnection

STORAGE_SETTING = "RouterStorage"
PREFIX_SETTING = "TrackingStorePrefix"


def app_from_settings(environ: Mapping[str, str]) -> Starlette:
    connection = StorageConnection.from_setting(STORAGE_SETTING, environ)
    service = connection.service_client(RetrySettings(total=2))
    prefix = environ.get(PREFIX_SETTING, "DurableTask")
    refresh = float(environ.get("RouterRefreshSeconds", "30"))
    return create_app(
        route_loader(service), instance_owner(service, f"{prefix}Instances"), refresh=refresh
    )
