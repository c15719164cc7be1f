"""Building the router from app settings, the same way in Azure Functions and under uvicorn.

`RouterStorage` (a connection string, or `RouterStorage__accountName` for an identity)
names the tracking store account holding both the route table and the shared Instances
table; `TrackingStorePrefix` (default DurableTask) its table prefix; `RouterPublicUrl` the
router's own base URL for rewritten status URLs (default: what each client called);
`RouterRefreshSeconds` how often the route table is reloaded (30);
`RouterNegativeCacheSeconds` how long "no such instance" is remembered (2);
`RouterOwnerCacheSize` how many instance owners are kept (100000; 0 reads every time).
"""

from __future__ import annotations

from collections.abc import Mapping

from azure.core.credentials import AzureSasCredential
from azure.data.tables.aio import TableServiceClient as AsyncTableServiceClient
from starlette.applications import Starlette

from router.app import create_app
from router.store import instance_owner, route_loader
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.hubs import DEFAULT_TRACKING_PREFIX
from taskhub.routes import ROUTER_PREFIX_SETTING, ROUTER_STORAGE_SETTING


def _async_service(
    connection: StorageConnection, retry: RetrySettings, environ: Mapping[str, str]
) -> AsyncTableServiceClient:
    """The same account through the async client (an identity needs the async credential)."""
    if connection.connection_string is not None:
        return AsyncTableServiceClient.from_connection_string(
            connection.connection_string, **retry.client_kwargs()
        )
    if isinstance(connection.credential, AzureSasCredential):
        credential: object = connection.credential
    else:
        from azure.identity.aio import DefaultAzureCredential

        credential = DefaultAzureCredential(
            managed_identity_client_id=environ.get(f"{ROUTER_STORAGE_SETTING}__clientId")
        )
    return AsyncTableServiceClient(
        endpoint=connection.endpoint,
        credential=credential,  # type: ignore[arg-type]
        **retry.client_kwargs(),
    )


def app_from_settings(environ: Mapping[str, str]) -> Starlette:
    connection = StorageConnection.from_setting(ROUTER_STORAGE_SETTING, environ)
    retry = RetrySettings(total=2)
    prefix = environ.get(ROUTER_PREFIX_SETTING, DEFAULT_TRACKING_PREFIX)
    owners = _async_service(connection, retry, environ)
    return create_app(
        route_loader(connection.service_client(retry)),
        instance_owner(owners, f"{prefix}Instances"),
        on_shutdown=owners.close,
        refresh=float(environ.get("RouterRefreshSeconds", "30")),
        public_url=environ.get("RouterPublicUrl") or None,
        negative_ttl=float(environ.get("RouterNegativeCacheSeconds", "2")),
        cache_size=int(environ.get("RouterOwnerCacheSize", "100000")),
    )
