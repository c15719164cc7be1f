"""Which storage account an app's connection setting points its task hub's tables at.

Two judges ask this of app settings: the policy pack (do two slots share durable state?)
and the release stage (do the slots it swaps run one hub on one account?). Both must
answer as the Functions host does, or one says "distinct" where the other says "shared".

The rule follows the Durable Functions extension (azure-functions-durable-extension,
src/WebJobs.Extensions.DurableTask/Storage/StorageServiceClientProviderFactory.cs,
`GetTableClientProvider`, and TableServiceClientProvider.cs `ConnectionOptions`):
- the connection is the configuration section `AzureWebJobs<NAME>` when it exists, else
  `<NAME>` (WebJobs `GetWebJobsConnectionStringSection`: the prefixed name first);
- a section with a value is a connection string, and nothing else in the section counts;
- otherwise `<NAME>__tableServiceUri`, else `<NAME>__accountName` (which stands for
  `https://<accountName>.table.core.windows.net`). `__blobServiceUri` and
  `__queueServiceUri` feed the other clients, never the tables.
Configuration keys are case-insensitive in .NET, so `NAME__AccountName` counts too.
"""

from __future__ import annotations

from collections.abc import Mapping
from urllib.parse import urlsplit

WEBJOBS_PREFIX = "AzureWebJobs"
EMULATOR_ACCOUNT = "devstoreaccount1"


def storage_account(settings: Mapping[str, object], connection_name: str) -> str | None:
    """The account (lower-case) whose tables the connection reaches; None when unknown.

    Unknown: the section is missing, its value is not readable here (a Key Vault
    reference, or an unknown in a preview), or it names no account.
    """
    section = _section(settings, f"{WEBJOBS_PREFIX}{connection_name}") or _section(
        settings, connection_name
    )
    if not section:
        return None
    value = section.get("")
    if value is not None:
        return _connection_string_account(value) if isinstance(value, str) else None
    if uri := section.get("tableserviceuri"):
        return endpoint_account(str(uri))
    if account := section.get("accountname"):
        return str(account).strip().lower() or None
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


def _section(settings: Mapping[str, object], name: str) -> dict[str, object]:
    """The settings of configuration section `name`: "" for its value, else child keys."""
    name = name.lower()
    found: dict[str, object] = {}
    for key, value in settings.items():
        key = key.lower()
        if key == name and value not in (None, ""):
            found[""] = value
        elif key.startswith(f"{name}__") and value not in (None, ""):
            found[key.removeprefix(f"{name}__")] = value
    return found


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
