"""What a site's app settings say about its durable state: hub, accounts, tracking store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from taskhub.hostjson import RUNTIME_STORAGE_SETTING, DurableSettings, override_setting
from taskhub.storage_account import storage_account

HUB = override_setting("hubName")
CONNECTION = override_setting("storageProvider", "connectionName")
LEGACY_CONNECTION = override_setting("storageProvider", "connectionStringName")
TRACKING_CONNECTION = override_setting("storageProvider", "trackingStoreConnectionName")
TRACKING_PREFIX = override_setting("storageProvider", "trackingStoreNamePrefix")


def connection_name(settings: Mapping[str, Any]) -> str:
    return str(
        settings.get(CONNECTION) or settings.get(LEGACY_CONNECTION) or RUNTIME_STORAGE_SETTING
    )


def tracking_connection_name(settings: Mapping[str, Any]) -> str | None:
    value = settings.get(TRACKING_CONNECTION)
    return str(value) if value else None


def storage_target(settings: Mapping[str, Any], name: str | None) -> str | None:
    """The storage account a connection setting family points at, when it can be told."""
    return storage_account(settings, name) if name else None


def state_settings(settings: Mapping[str, Any]) -> set[str]:
    """Setting names a site's durable storage or hub come from (none may be sticky)."""
    names = DurableSettings(
        hub_name="placeholder",
        connection_name=connection_name(settings),
        tracking_connection_name=tracking_connection_name(settings),
    ).state_setting_names()
    names.update({HUB, CONNECTION, LEGACY_CONNECTION, TRACKING_CONNECTION, TRACKING_PREFIX})
    return names
