"""How a command reaches a task hub's storage account, without ever showing a secret.

Three ways in, matching how Durable Functions itself is configured:
- a connection string (including `UseDevelopmentStorage=true`);
- an account or table endpoint URL, authenticated with DefaultAzureCredential (or a SAS
  query string on the URL);
- the NAME of the app setting the app reads, looked up in the environment, with the
  identity-based forms `NAME__accountName` / `NAME__tableServiceUri` (`NAME__clientId`
  picks a user-assigned identity), so a pipeline passes what host.json names.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from azure.core.credentials import AzureSasCredential, TokenCredential
from azure.data.tables import TableServiceClient

from taskhub.clouds import require_token_endpoint, require_well_formed
from taskhub.errors import ConfigurationError
from taskhub.secrets import redact, secrets_in
from taskhub.storage_account import (
    ACCOUNT_NAME,
    TABLE_SERVICE_URI,
    connection_section,
    env_names,
)

PUBLIC_TABLE_SUFFIX = "table.core.windows.net"
BLOB_CHUNK = 4 * 2**20
"""Bytes per blob download request (the SDK's default first request is 32 MiB)."""
# Storage account names: 3 to 24 lower-case letters and digits (Microsoft.Storage naming rules).
_ACCOUNT_NAME = re.compile(r"[a-z0-9]{3,24}")


@dataclass(frozen=True)
class RetrySettings:
    """azure-core retry and timeout settings for every storage request.

    Transient failures (connection errors, timeouts, 408, 429, 5xx) are retried with
    exponential backoff by the SDK's own retry policy before a command gives up.
    """

    total: int = 5
    backoff_factor: float = 1.0
    backoff_max: float = 30.0
    connection_timeout: float = 10.0
    read_timeout: float = 60.0

    def client_kwargs(self) -> dict[str, Any]:
        return {
            **{f"retry_{kind}": self.total for kind in ("total", "connect", "read", "status")},
            "retry_backoff_factor": self.backoff_factor,
            "retry_backoff_max": self.backoff_max,
            "connection_timeout": self.connection_timeout,
            "read_timeout": self.read_timeout,
        }


@dataclass(frozen=True)
class StorageConnection:
    """A table endpoint plus the means to authenticate; `description` is safe to print."""

    endpoint: str
    description: str
    connection_string: str | None = field(default=None, repr=False)
    credential: TokenCredential | AzureSasCredential | None = field(default=None, repr=False)
    allowed_endpoints: tuple[str, ...] = ()
    """Hosts the user named as fit for a token besides Azure's (taskhub/clouds.py)."""

    @classmethod
    def from_connection_string(
        cls, value: str, *, source: str = "connection string"
    ) -> StorageConnection:
        value = value.strip()
        try:
            client = TableServiceClient.from_connection_string(value)
        except (ValueError, KeyError) as exc:
            raise ConfigurationError(
                f"the {source} is not a storage connection string ({redact(str(exc), [value])})",
                fix="use 'DefaultEndpointsProtocol=https;AccountName=...;AccountKey=...;"
                "EndpointSuffix=core.windows.net', 'UseDevelopmentStorage=true', or --account-url",
            ) from None
        endpoint = _without_query(client.url)
        client.close()
        return cls(
            endpoint=endpoint,
            description=f"{endpoint} (account {client.account_name}, key from the {source})",
            connection_string=value,
        )

    @classmethod
    def from_account_url(
        cls,
        url: str,
        *,
        credential: TokenCredential | None = None,
        source: str = "--account-url",
        allowed_endpoints: Collection[str] = (),
    ) -> StorageConnection:
        """An endpoint with a SAS in its query, or else DefaultAzureCredential (or the
        `credential` given), whose token goes to Azure's storage hosts and `allowed_endpoints`
        only (taskhub/clouds.py). A SAS goes only where the user sent it, but to the host the
        HTTP client reads: a malformed endpoint is refused either way."""
        if not url.strip().lower().startswith(("https://", "http://")):
            raise ConfigurationError(
                f"{source} {redact(url)!r} is not an http(s) URL",
                fix=f"pass the table endpoint, e.g. https://<account>.{PUBLIC_TABLE_SUFFIX}",
            )
        require_well_formed(url, source)
        parts = urlsplit(url.strip())
        endpoint = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        query = parse_qs(parts.query)
        if "sig" in query:
            return cls(
                endpoint=endpoint,
                description=f"{endpoint} (SAS token from {source})",
                credential=AzureSasCredential(parts.query),
            )
        require_token_endpoint(endpoint, allowed_endpoints, source)
        if credential is None:
            credential = _default_credential()
        return cls(
            endpoint=endpoint,
            description=f"{endpoint} (Microsoft Entra ID via DefaultAzureCredential)",
            credential=credential,
            allowed_endpoints=tuple(allowed_endpoints),
        )

    @classmethod
    def from_setting(
        cls, name: str, environ: Mapping[str, str], *, allowed_endpoints: Collection[str] = ()
    ) -> StorageConnection:
        """Resolve an app-setting name the way the Functions host does (one rule, shared
        with the policy pack and the release: taskhub/storage_account.py)."""
        if not name or any(c in name for c in "=;"):
            raise ConfigurationError(
                f"--connection-setting takes the NAME of an app setting, not its value "
                f"({redact(name)!r})",
                fix="pass e.g. --connection-setting DurableManagementStorage and put the value "
                "in that environment variable",
            )
        found = connection_section(environ, name)
        if found is None:
            raise ConfigurationError(
                f"app setting {name!r} is not set in this environment (looked for "
                f"{', '.join(env_names(name))}, in that order, each alone or as "
                f"{name}__{TABLE_SERVICE_URI} / {name}__{ACCOUNT_NAME} are)",
                fix="export the setting in the pipeline step, or pass --connection-string / "
                "--account-url",
            )
        value = found.connection_string
        if isinstance(value, str):
            return cls.from_connection_string(value, source=f"setting {found.name}")
        credential = _default_credential(found.client_id)
        if isinstance(uri := found.table_service_uri, str) and uri:
            return cls.from_account_url(
                uri,
                credential=credential,
                source=f"{found.name}__{TABLE_SERVICE_URI}",
                allowed_endpoints=allowed_endpoints,
            )
        if isinstance(account := found.account_name, str) and account:
            if not _ACCOUNT_NAME.fullmatch(account.strip().lower()):
                raise ConfigurationError(
                    f"{found.name}__{ACCOUNT_NAME} {redact(account)!r} is not a storage "
                    "account name",
                    fix="use the account's name: 3 to 24 lower-case letters and digits",
                )
            return cls.from_account_url(
                f"https://{account.strip().lower()}.{PUBLIC_TABLE_SUFFIX}",
                credential=credential,
                source=f"{found.name}__{ACCOUNT_NAME}",
                allowed_endpoints=allowed_endpoints,
            )
        raise ConfigurationError(
            f"setting {found.name} names no table endpoint: it is empty or unreadable here "
            f"and has no __{TABLE_SERVICE_URI} or __{ACCOUNT_NAME}; the host takes it before "
            f"any other spelling of {name!r}",
            fix="give it a connection string or a table service URI, or remove it",
        )

    @property
    def secrets(self) -> tuple[str, ...]:
        """Values that must never be printed, for `redact`."""
        if self.connection_string:
            return secrets_in(self.connection_string) or (self.connection_string,)
        if isinstance(self.credential, AzureSasCredential):
            return (self.credential.signature,)
        return ()

    def service_client(self, retry: RetrySettings) -> TableServiceClient:
        if self.connection_string is not None:
            return TableServiceClient.from_connection_string(
                self.connection_string, **retry.client_kwargs()
            )
        return TableServiceClient(
            endpoint=self.endpoint, credential=self.credential, **retry.client_kwargs()
        )

    def blob_reader(self, container: str, retry: RetrySettings) -> Callable[[str], Iterator[bytes]]:
        """Reads blobs of `container` in the same account, in chunks, connecting on first use.

        Most histories have no large message, so most runs never open a blob client. An
        account URL maps its table endpoint to the blob one (`.table.` -> `.blob.`). Chunks
        are `BLOB_CHUNK` bytes at most (the first request included), so a reader that stops
        early (taskhub/history.py `gunzip`) never holds a large blob whole.
        """
        from azure.storage.blob import BlobServiceClient, ContainerClient

        @functools.cache
        def client() -> ContainerClient:
            if self.connection_string is not None:
                service = BlobServiceClient.from_connection_string(
                    self.connection_string,
                    max_single_get_size=BLOB_CHUNK,
                    max_chunk_get_size=BLOB_CHUNK,
                    **retry.client_kwargs(),
                )
            else:
                endpoint = self.endpoint.replace(".table.", ".blob.")
                if not isinstance(self.credential, AzureSasCredential):
                    require_token_endpoint(
                        endpoint, self.allowed_endpoints, f"the blob endpoint of {self.endpoint}"
                    )
                service = BlobServiceClient(
                    endpoint,
                    credential=self.credential,
                    max_single_get_size=BLOB_CHUNK,
                    max_chunk_get_size=BLOB_CHUNK,
                    **retry.client_kwargs(),
                )
            return service.get_container_client(container)

        def read(name: str) -> Iterator[bytes]:
            chunks: Iterator[bytes] = client().download_blob(name).chunks()
            return chunks

        return read


def _without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def _default_credential(client_id: str | None = None) -> TokenCredential:
    # Imported late: azure-identity is only needed for identity-based connections.
    from azure.identity import DefaultAzureCredential

    if client_id:
        return DefaultAzureCredential(managed_identity_client_id=client_id)
    return DefaultAzureCredential()
