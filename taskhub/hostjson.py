"""Durable settings as host.json sees them, and as app settings that override host.json.

Infrastructure code owns the durable settings through `AzureFunctionsJobHost__...` app
settings, so the app package's host.json can stay generic; `host_json()` gives the
equivalent fragment for teams that prefer to check it in.

`DurableReading` is the one reader of where a host keeps its durable state (used by the
release, the gate's slot path, the policy pack and the sample's status check). Which keys
the Durable extension reads depends on its major version, and no version reads the other's:
- Durable Functions 2.x and later: `extensions.durableTask.storageProvider.connectionName`,
  or its obsolete alias `connectionStringName` (one property: azure-functions-durable-extension
  v3.x src/WebJobs.Extensions.DurableTask/Options/AzureStorageOptions.cs), else
  `AzureWebJobsStorage` (AzureStorageDurabilityProviderFactory.cs: `ConnectionName ??
  ConnectionStringNames.Storage`); the tracking store likewise `trackingStoreConnectionName`
  or `trackingStoreConnectionStringName`, with `trackingStoreNamePrefix`, all under
  `storageProvider`. A durableTask-level `azureStorageConnectionStringName` is no property of
  DurableTaskOptions there: it is ignored.
- Durable Functions 1.x: `azureStorageConnectionStringName`, `trackingStoreConnectionStringName`
  and `trackingStoreNamePrefix` at the durableTask level (branch v1,
  DurableTaskOptions.cs, DurableTaskExtension.cs: `AzureStorageConnectionStringName ??
  ConnectionStringNames.Storage`), under `extensions` on Functions 2.x and at host.json's
  root on Functions 1.x; no `storageProvider`.
The Functions host itself picks the reader by that version (azure-functions-host
src/WebJobs.Script.WebHost/Management/FunctionsSyncManager.cs `ReadDurableTaskConfig`:
`GetDurableV1Config` reads azureStorageConnectionStringName, `GetDurableV2Config`
storageProvider; an app with `extensionBundle` is 2.x or later, "From Functions runtime V4
onwards, only bundles >= V2.x is supported"). The toolkit cannot see the version from app
settings, so it decides only when every version that may run reads the same connection:
the storageProvider form is written only for 2.x and later, so its presence settles it; the
1.x form alone does not (2.x and later ignore it), and settings that override hubName
without naming the connection leave it to the package's host.json. Either is "unknown",
and whoever needs the connection asks the user instead of assuming `AzureWebJobsStorage`.
Known limit: a tracking store set only in the package's host.json is not visible from app
settings that name the connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, NamedTuple

from taskhub.configuration import HostConfiguration, Section
from taskhub.errors import ConfigurationError
from taskhub.name_resolver import resolve
from taskhub.versions import FailureStrategy, MatchStrategy

HOST_SECTION = "AzureFunctionsJobHost"
HOST_OVERRIDE_PREFIX = f"{HOST_SECTION}__"
DURABLE_PATH = ("extensions", "durableTask")
V1_DURABLE_PATH = ("durableTask",)
"""Functions 1.x host.json: durableTask at the root, no `extensions`."""
PROVIDER = "storageProvider"
V2_CONNECTION = ("connectionName", "connectionStringName")
V2_TRACKING = ("trackingStoreConnectionName", "trackingStoreConnectionStringName")
V1_CONNECTION = "azureStorageConnectionStringName"
V1_TRACKING = "trackingStoreConnectionStringName"
TRACKING_PREFIX = "trackingStoreNamePrefix"
RUNTIME_STORAGE_SETTING = "AzureWebJobsStorage"
DEFAULT_DURABLE_SETTING = "DurableManagementStorage"


def override_setting(*path: str) -> str:
    """The app setting name that overrides host.json at `extensions.durableTask.<path>`."""
    return HOST_OVERRIDE_PREFIX + "__".join((*DURABLE_PATH, *path))


@dataclass(frozen=True)
class DurableSettings:
    hub_name: str
    connection_name: str = RUNTIME_STORAGE_SETTING
    tracking_connection_name: str | None = None
    tracking_prefix: str | None = None
    partition_count: int | None = None
    default_version: str | None = None
    version_match_strategy: MatchStrategy | None = None
    version_failure_strategy: FailureStrategy | None = None

    def _values(self) -> list[tuple[tuple[str, ...], str | int]]:
        provider = "storageProvider"
        pairs: list[tuple[tuple[str, ...], str | int | None]] = [
            (("hubName",), self.hub_name),
            ((provider, "connectionName"), self.connection_name),
            ((provider, "trackingStoreConnectionName"), self.tracking_connection_name),
            ((provider, "trackingStoreNamePrefix"), self.tracking_prefix),
            ((provider, "partitionCount"), self.partition_count),
            (("defaultVersion",), self.default_version),
            (("versionMatchStrategy",), self.version_match_strategy),
            (("versionFailureStrategy",), self.version_failure_strategy),
        ]
        return [(path, value) for path, value in pairs if value is not None]

    @property
    def instances_connection_name(self) -> str:
        """The setting whose account holds the Instances table (the tracking store's, if any)."""
        return self.tracking_connection_name or self.connection_name

    def app_settings(self) -> dict[str, str]:
        """`AzureFunctionsJobHost__extensions__durableTask__...` settings for every value set."""
        return {override_setting(*path): str(value) for path, value in self._values()}

    def host_json(self) -> dict[str, Any]:
        """The Functions 2.x+ host.json fragment with the same values."""
        durable: dict[str, Any] = {}
        for path, value in self._values():
            node = durable
            for key in path[:-1]:
                node = node.setdefault(key, {})
            node[path[-1]] = (
                str(value) if isinstance(value, MatchStrategy | FailureStrategy) else value
            )
        return {"version": "2.0", "extensions": {"durableTask": durable}}

    def host_json_v1(self) -> dict[str, Any]:
        """The Functions 1.x shape: a root `durableTask` object with flat keys, no versioning."""
        if self.default_version or self.version_match_strategy or self.version_failure_strategy:
            raise ValueError("Functions 1.x has no orchestration versioning settings")
        flat: dict[str, Any] = {
            "hubName": self.hub_name,
            "azureStorageConnectionStringName": self.connection_name,
            "trackingStoreConnectionStringName": self.tracking_connection_name,
            "trackingStoreNamePrefix": self.tracking_prefix,
            "partitionCount": self.partition_count,
        }
        return {"durableTask": {k: v for k, v in flat.items() if v is not None}}

    def state_setting_names(self) -> set[str]:
        """Every setting a slot's durable storage or hub name comes from: none may be sticky."""
        names = set(self.app_settings())
        names.update(
            connection_setting_names(
                n for n in (self.connection_name, self.tracking_connection_name) if n
            )
        )
        return names


def connection_setting_names(connections: Iterable[str]) -> set[str]:
    """The settings each connection may be read from: itself and its identity-based family."""
    return {
        name
        for connection in connections
        for name in (
            connection,
            *(
                f"{connection}__{suffix}"
                for suffix in (
                    "accountName",
                    "tableServiceUri",
                    "queueServiceUri",
                    "blobServiceUri",
                    "credential",
                    "clientId",
                )
            ),
        )
    }


class Generation(StrEnum):
    """The Durable extension's major versions, as far as the keys they read differ."""

    V1 = "Durable Functions 1.x"
    V2 = "Durable Functions 2.x and later"


class _Connections(NamedTuple):
    """What one extension generation reads: None for a connection means "cannot tell"."""

    connection: str | None
    tracking: str | None
    prefix: str | None


@dataclass(frozen=True)
class DurableReading:
    """Where a host keeps its durable state, as its configuration tells (module docstring).

    `connection_name` is what every version of the extension that may run reads, None when
    that cannot be told (`unknown` says why, `require_instances_connection` raises it).
    `declared_connection` and `declared_tracking` are what the settings name in either
    version's form, for judges that weigh a program's declarations (the policy pack).
    """

    hub_name: str | None
    connection_name: str | None
    tracking_connection_name: str | None
    tracking_prefix: str | None
    declared_connection: str | None
    declared_tracking: str | None
    unknown: str | None = None

    @classmethod
    def from_app_settings(cls, settings: Mapping[str, object]) -> DurableReading | None:
        """A slot's live app settings, the package's host.json unseen; None when they do not
        override hubName (then the package's host.json names the hub)."""
        reading = read_durable(settings)
        return reading if reading.hub_name else None

    @property
    def named_connections(self) -> frozenset[str]:
        """Every connection setting a version of the extension may read (none may be sticky):
        the named ones, and the default whenever the connection is not certain."""
        named = {self.declared_connection, self.declared_tracking, self.connection_name}
        if self.connection_name is None:
            named.add(RUNTIME_STORAGE_SETTING)
        return frozenset(n for n in named if n)

    @property
    def instances_connection_name(self) -> str | None:
        """The setting whose account holds the Instances table (the tracking store's, if any)."""
        if self.connection_name is None:
            return None
        return self.tracking_connection_name or self.connection_name

    def require_instances_connection(self, where: str) -> str:
        """`instances_connection_name`, or the ConfigurationError saying why it is unknown."""
        name = self.instances_connection_name
        if name is None:
            raise ConfigurationError(
                f"{where}: cannot tell which storage connection holds task hub "
                f"{self.hub_name!r}: {self.unknown}",
                fix="pass --connection-setting NAME (the setting your app's Durable extension "
                f"reads), or set {override_setting(PROVIDER, V2_CONNECTION[0])} in its app "
                "settings so every version of the extension reads the same connection",
            )
        return name


def read_durable(
    settings: Mapping[str, object], host_json: Mapping[str, Any] | None = None
) -> DurableReading:
    """What `settings` (app settings, or an environment) say about the durable state, over
    `host_json` when it is known (the sample reads its own); see the module docstring."""
    if host_json is not None and not _is_v2_schema(host_json):
        # Functions 1.x reads host.json alone (no AzureFunctionsJobHost__ overrides), and
        # runs Durable Functions 1.x only.
        durable = HostConfiguration(_flatten(host_json)).section(*V1_DURABLE_PATH)
        v1 = _v1(durable, known_host=True)
        return _reading(settings, durable, {Generation.V1: v1}, v1, "")
    layers = [_flatten({HOST_SECTION: host_json})] if host_json is not None else []
    config = HostConfiguration(*layers, settings)
    durable = config.section(HOST_SECTION, *DURABLE_PATH)
    known_host = host_json is not None
    readings = {Generation.V2: _v2(durable, known_host)}
    has_v2 = any(k.split(":")[0] == PROVIDER.lower() for k in durable.children)
    if not has_v2 and not (host_json is not None and _key(host_json, "extensionBundle")):
        readings[Generation.V1] = _v1(durable, known_host)
    declared = _v2(durable, known_host=False)
    if not (declared.connection or declared.tracking):
        declared = _v1(durable, known_host=False)
    why = (
        f"the settings name it only in the {Generation.V1} form ({V1_CONNECTION} = "
        f"{durable.child(V1_CONNECTION)}), which {Generation.V1} reads and "
        f"{Generation.V2} ignore (they read {PROVIDER}.{V2_CONNECTION[0]} from the package's "
        f"host.json, else {RUNTIME_STORAGE_SETTING})"
        if durable.child(V1_CONNECTION) is not None and len(readings) > 1
        else f"the settings do not name it, so the package's host.json does "
        f"({PROVIDER}.{V2_CONNECTION[0]}, else {RUNTIME_STORAGE_SETTING}), and that file is "
        "not visible from here"
    )
    return _reading(settings, durable, readings, declared, why)


def _reading(
    settings: Mapping[str, object],
    durable: Section,
    readings: Mapping[Generation, _Connections],
    declared: _Connections,
    why: str,
) -> DurableReading:
    """One reading when every generation in `readings` agrees, else unknown (`why`);
    hubName's `%NAME%` resolves from `settings`."""
    hub = _hub(settings, durable)
    agreed = set(readings.values())
    reading = next(iter(agreed))
    if len(agreed) > 1 or reading.connection is None:
        unknown = _conflict(durable) or why
        return DurableReading(
            hub, None, None, None, declared.connection, declared.tracking, unknown
        )
    return DurableReading(
        hub,
        reading.connection,
        reading.tracking,
        reading.prefix,
        declared.connection,
        declared.tracking,
    )


def _v2(durable: Section, known_host: bool) -> _Connections:
    provider = f"{PROVIDER}:"
    connection = _alias(durable, *(provider + k for k in V2_CONNECTION))
    default = RUNTIME_STORAGE_SETTING if known_host else None
    return _Connections(
        connection or (None if _conflict(durable) else default),
        _alias(durable, *(provider + k for k in V2_TRACKING)),
        _text(durable, provider + TRACKING_PREFIX),
    )


def _v1(durable: Section, known_host: bool) -> _Connections:
    default = RUNTIME_STORAGE_SETTING if known_host else None
    return _Connections(
        _text(durable, V1_CONNECTION) or default,
        _text(durable, V1_TRACKING),
        _text(durable, TRACKING_PREFIX),
    )


def _alias(durable: Section, *keys: str) -> str | None:
    """The value of a property two keys set (a name and its obsolete alias); None when
    neither is set, or when both are and disagree (`_conflict` says so)."""
    values = {v for k in keys if (v := _text(durable, k))}
    return values.pop() if len(values) == 1 else None


def _conflict(durable: Section) -> str | None:
    for keys in (V2_CONNECTION, V2_TRACKING):
        values = {_text(durable, f"{PROVIDER}:{k}") for k in keys}
        if len(values - {None}) > 1:
            return (
                f"{PROVIDER}.{keys[0]} and {PROVIDER}.{keys[1]} are both set and differ; both "
                "set one property of the extension, and which is read last is not defined"
            )
    return None


def _text(section: Section, key: str) -> str | None:
    value = section.child(key)
    return value.strip() if isinstance(value, str) and value.strip() else None


def _hub(settings: Mapping[str, object], durable: Section) -> str | None:
    """hubName, with `%NAME%` resolved from the app settings as the host does
    (taskhub/name_resolver.py); a name that cannot be resolved here stays as written, and the
    hub-name check refuses it."""
    hub = _text(durable, "hubName")
    return None if hub is None else resolve(hub, settings).value


def _is_v2_schema(host_json: Mapping[str, Any]) -> bool:
    """Functions 2.x and later require `"version": "2.0"`; without it the file is 1.x's."""
    return str(_key(host_json, "version") or "").strip() == "2.0"


def _key(document: Mapping[str, Any], name: str) -> Any:
    """A top-level host.json value, its key matched case-insensitively."""
    return next((v for k, v in document.items() if str(k).lower() == name.lower()), None)


def _flatten(document: Mapping[str, Any], prefix: str = "") -> dict[str, object]:
    """A JSON object as configuration keys (`a:b:c`), as the host loads host.json."""
    flat: dict[str, object] = {}
    for key, value in document.items():
        path = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{path}:"))
        elif value is not None:
            flat[path] = value if isinstance(value, str) else str(value)
    return flat
