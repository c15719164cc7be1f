"""Durable settings as host.json sees them, and as app settings that override host.json.

Infrastructure code owns the durable settings through `AzureFunctionsJobHost__...` app
settings, so the app package's host.json can stay generic; `host_json()` gives the
equivalent fragment for teams that prefer to check it in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from taskhub.versions import FailureStrategy, MatchStrategy

HOST_OVERRIDE_PREFIX = "AzureFunctionsJobHost__"
DURABLE_PATH = ("extensions", "durableTask")
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

    @classmethod
    def from_app_settings(cls, settings: Mapping[str, str]) -> DurableSettings | None:
        """The hub and connections a slot's live app settings give the host.

        None when the settings do not override hubName: then the package's host.json names
        the hub, which app settings cannot tell.
        """

        def value(*path: str) -> str | None:
            return settings.get(override_setting(*path)) or None

        hub = value("hubName")
        if hub is None:
            return None
        return cls(
            hub_name=hub,
            connection_name=value("storageProvider", "connectionName") or RUNTIME_STORAGE_SETTING,
            tracking_connection_name=value("storageProvider", "trackingStoreConnectionName"),
            tracking_prefix=value("storageProvider", "trackingStoreNamePrefix"),
        )

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
        for connection in (self.connection_name, self.tracking_connection_name):
            if connection:
                names.add(connection)
                names.update(
                    f"{connection}__{suffix}"
                    for suffix in (
                        "accountName",
                        "tableServiceUri",
                        "queueServiceUri",
                        "blobServiceUri",
                        "credential",
                        "clientId",
                    )
                )
        return names
