"""Building the router from app settings, the same way in Azure Functions and under uvicorn.

`RouterStorage` (a connection string, or `RouterStorage__accountName` for an identity)
names the tracking store account holding both the route table and the shared Instances
table; `TrackingStorePrefix` (default DurableTask) its table prefix; `RouterPublicUrl` the
router's own base URL for rewritten status URLs (default on App Service and Functions:
`https://` + `WEBSITE_HOSTNAME`, the app's default host name the platform sets; elsewhere
it must be set: the `Host` header is the caller's choice, never used);
`RouterAllowedHosts` the hosts it may forward to (hosts.py);
`RouterRefreshSeconds` how often the route table is reloaded (30);
`RouterNegativeCacheSeconds` how long "no such instance" is remembered (2);
`RouterOwnerCacheBytes` the owner cache's budget (64 MiB; 0 reads every time).
"""

from __future__ import annotations

from collections.abc import Mapping

from azure.core.credentials import AzureSasCredential
from azure.data.tables.aio import TableServiceClient as AsyncTableServiceClient

from router.app import Router, create_app
from router.hosts import AllowedHosts
from router.owners import DEFAULT_CACHE_BYTES
from router.store import instance_owner, route_loader
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import ConfigurationError
from taskhub.hubs import DEFAULT_TRACKING_PREFIX
from taskhub.routes import (
    ROUTER_ALLOWED_HOSTS_SETTING,
    ROUTER_PREFIX_SETTING,
    ROUTER_PUBLIC_URL_SETTING,
    ROUTER_STORAGE_SETTING,
)

PLATFORM_HOST_NAME = "WEBSITE_HOSTNAME"
"""Set by App Service (and so Functions) to the app's default host name."""


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


def public_url(environ: Mapping[str, str]) -> str:
    configured = environ.get(ROUTER_PUBLIC_URL_SETTING, "").strip()
    if configured:
        return configured
    host = environ.get(PLATFORM_HOST_NAME, "").strip()
    if host:
        return f"https://{host}"
    raise ConfigurationError(
        f"{ROUTER_PUBLIC_URL_SETTING} is not set and this is not App Service "
        f"(no {PLATFORM_HOST_NAME}): the router has no public URL for status URLs",
        fix=f"set {ROUTER_PUBLIC_URL_SETTING} to the URL clients call the router by",
    )


def app_from_settings(
    environ: Mapping[str, str], *, client_address_header: str | None = None
) -> Router:
    """`client_address_header`: see create_app (function_app.py names App Service's)."""
    connection = StorageConnection.from_setting(ROUTER_STORAGE_SETTING, environ)
    retry = RetrySettings(total=2)
    prefix = environ.get(ROUTER_PREFIX_SETTING, DEFAULT_TRACKING_PREFIX)
    owners = _async_service(connection, retry, environ)
    return create_app(
        route_loader(connection.service_client(retry)),
        instance_owner(owners, f"{prefix}Instances"),
        on_shutdown=owners.close,
        public_url=public_url(environ),
        allowed_hosts=AllowedHosts.from_setting(environ.get(ROUTER_ALLOWED_HOSTS_SETTING)),
        refresh=float(environ.get("RouterRefreshSeconds", "30")),
        negative_ttl=float(environ.get("RouterNegativeCacheSeconds", "2")),
        cache_bytes=int(environ.get("RouterOwnerCacheBytes", str(DEFAULT_CACHE_BYTES))),
        client_address_header=client_address_header,
    )
