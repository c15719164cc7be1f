"""What a site's app settings say about its durable state: hub, accounts, tracking store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskhub.hostjson import (
    RUNTIME_STORAGE_SETTING,
    V1_CONNECTION,
    V1_TRACKING,
    V2_TRACKING,
    connection_setting_names,
    override_setting,
    read_durable,
)
from taskhub.storage_account import storage_account

HUB = override_setting("hubName")
CONNECTION = override_setting("storageProvider", "connectionName")
LEGACY_CONNECTION = override_setting("storageProvider", "connectionStringName")
TRACKING_CONNECTION = override_setting("storageProvider", "trackingStoreConnectionName")
TRACKING_PREFIX = override_setting("storageProvider", "trackingStoreNamePrefix")
LEGACY_TRACKING_CONNECTION = override_setting("storageProvider", V2_TRACKING[1])
# Durable Functions 1.x reads these at the durableTask level (taskhub/hostjson.py).
V1_SETTINGS = {
    override_setting(key) for key in (V1_CONNECTION, V1_TRACKING, "trackingStoreNamePrefix")
}


def connection_name(settings: Mapping[str, Any]) -> str:
    """The durable connection the settings name, in either version's form (taskhub/hostjson.py
    `DurableReading.declared_connection`); the extension's default when they name none, as the
    package's host.json is out of a preview's sight. The release, which must be exact, asks
    instead (`require_instances_connection`)."""
    return read_durable(settings).declared_connection or RUNTIME_STORAGE_SETTING


def tracking_connection_name(settings: Mapping[str, Any]) -> str | None:
    return read_durable(settings).declared_tracking


def storage_target(settings: Mapping[str, Any], name: str | None) -> str | None:
    """The storage account a connection setting family points at, when it can be told."""
    return storage_account(settings, name) if name else None


def state_settings(settings: Mapping[str, Any]) -> set[str]:
    """Setting names a site's durable storage or hub come from (none may be sticky)."""
    names = connection_setting_names(read_durable(settings).named_connections)
    names.update({HUB, CONNECTION, LEGACY_CONNECTION, TRACKING_CONNECTION, TRACKING_PREFIX})
    names.update({LEGACY_TRACKING_CONNECTION, *V1_SETTINGS})
    return names
