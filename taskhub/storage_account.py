"""Which settings a connection name resolves to, and which storage account they point at.

One rule for every reader: the policy pack and the release judging a slot's app settings,
and `--connection-setting` reading a pipeline's environment. Each must answer as the
Functions host does, or one says "distinct" where another says "shared".

The rule follows the Durable Functions extension (azure-functions-durable-extension v3.x,
src/WebJobs.Extensions.DurableTask/WebJobsConnectionInfoProvider.cs `Resolve`, a copy of
WebJobs' `IConfigurationExtensions.GetWebJobsConnectionSection`):
- the connection is the first configuration section that exists of
  `ConnectionStrings:AzureWebJobs<NAME>`, `AzureWebJobs<NAME>`, `ConnectionStrings:<NAME>`,
  `<NAME>` (the `AzureWebJobs`-prefixed name first; `CUSTOMCONNSTR_<X>` is
  `ConnectionStrings:<X>`, see taskhub/configuration.py); a section exists when it has a
  value, even an empty one, or any child;
- a section with a non-empty value is a connection string, and nothing else in it counts
  (Storage/StorageServiceClientProviderFactory.cs `GetTableClientProvider`);
- otherwise `<section>:tableServiceUri`, else `<section>:accountName` (which stands for
  `https://<accountName>.table.core.windows.net`), with `clientId` picking a user-assigned
  identity (Storage/TableServiceClientProvider.cs). `blobServiceUri` and `queueServiceUri`
  feed the other clients, never the tables.
Keys are case-insensitive and `__` is `:` (configuration keys, taskhub/configuration.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from taskhub.configuration import (
    CONNECTION_STRING_PREFIXES,
    CONNECTION_STRINGS,
    HostConfiguration,
    Section,
    join,
)

WEBJOBS_PREFIX = "AzureWebJobs"
EMULATOR_ACCOUNT = "devstoreaccount1"
TABLE_SERVICE_URI = "tableServiceUri"
ACCOUNT_NAME = "accountName"
CLIENT_ID = "clientId"
CUSTOM_CONNECTION_STRING = CONNECTION_STRING_PREFIXES[0]


def section_names(name: str) -> tuple[str, ...]:
    """The sections a connection name may resolve to, in the order the host tries them."""
    return tuple(
        path
        for candidate in (f"{WEBJOBS_PREFIX}{name}", name)
        for path in (join(CONNECTION_STRINGS, candidate), candidate)
    )


def env_names(name: str) -> list[str]:
    """`section_names` as a pipeline spells them in its environment, for messages."""
    return [
        path.replace(f"{CONNECTION_STRINGS}:", CUSTOM_CONNECTION_STRING)
        for path in section_names(name)
    ]


@dataclass(frozen=True)
class ConnectionSection:
    """The section a connection name resolved to; `name` says which, for messages."""

    name: str
    section: Section

    @property
    def connection_string(self) -> object | None:
        """The section's own value when it is one (a str, or a value not readable here)."""
        value = self.section.value
        return None if value is None or value == "" else value

    @property
    def table_service_uri(self) -> object | None:
        return self.section.child(TABLE_SERVICE_URI)

    @property
    def account_name(self) -> object | None:
        return self.section.child(ACCOUNT_NAME)

    @property
    def client_id(self) -> str | None:
        value = self.section.child(CLIENT_ID)
        return value if isinstance(value, str) and value else None


def connection_section(settings: Mapping[str, object], name: str) -> ConnectionSection | None:
    """The section connection `name` resolves to, or None when none exists."""
    config = HostConfiguration(settings)
    for path in section_names(name):
        section = config.section(path)
        if section.exists:
            return ConnectionSection(config.written(path) or path.replace(":", "__"), section)
    return None


def storage_account(settings: Mapping[str, object], connection_name: str) -> str | None:
    """The account (lower-case) whose tables the connection reaches; None when unknown.

    Unknown: no section exists, its value is not readable here (a Key Vault reference, or an
    unknown in a preview), or it names no account.
    """
    found = connection_section(settings, connection_name)
    if found is None:
        return None
    value = found.connection_string
    if value is not None:
        return _connection_string_account(value) if isinstance(value, str) else None
    if isinstance(uri := found.table_service_uri, str) and uri:
        return endpoint_account(uri)
    if isinstance(account := found.account_name, str):
        return account.strip().lower() or None
    return None


def endpoint_account(url: str) -> str:
    """The account of a table endpoint: `<account>.table.<suffix>`, or path-style.

    Path-style (`http://127.0.0.1:10002/<account>`) is how the emulator is addressed; the
    storage SDKs read the account from the first path segment there (azure-data-tables
    `_common_conversion._get_account`). Any other host is its own identity.
    """
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    account, _, rest = host.partition(".")
    if rest.startswith("table."):
        return account
    segment = parts.path.strip("/").split("/")[0]
    return segment.lower() if segment else host or url.strip().lower()


def _connection_string_account(value: str) -> str | None:
    """The account of a storage connection string (keys are case-insensitive).

    An explicit TableEndpoint is where the tables are; otherwise AccountName (with its
    EndpointSuffix) names them, and `UseDevelopmentStorage=true` is the emulator's account.
    """
    parts = {
        key.strip().lower(): part.strip()
        for key, _, part in (item.partition("=") for item in value.split(";"))
        if part.strip()
    }
    if parts.get("usedevelopmentstorage", "").lower() == "true":
        return EMULATOR_ACCOUNT
    if endpoint := parts.get("tableendpoint"):
        return endpoint_account(endpoint)
    if account := parts.get("accountname"):
        return account.lower()
    return None
