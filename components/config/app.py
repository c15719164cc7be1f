"""The app's own keys: its name, runtime, plan, strategy, hub, accounts and settings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.config.model import (
    ConfigError,
    Connection,
    FlexConfig,
    Strategy,
    VersioningConfig,
)
from components.config.readers import choice, hub, mapping, matching, text
from taskhub.app_service_plans import PlanFamily, plan_family

RUNTIME_VERSIONS = {
    "python": "3.11",
    "dotnet-isolated": "8.0",
    "node": "20",
    "java": "17",
    "powershell": "7.4",
}
_APP_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,58}[a-z0-9]")
_STORAGE_PREFIX = re.compile(r"[a-z0-9]{3,16}")
_SETTING_NAME = re.compile(r"(?!.*__)[A-Za-z_][A-Za-z0-9_]*")
"""An app setting name; `__` would make it a section (`A__B` is the key `A:B`)."""


def app_name(values: Mapping[str, Any]) -> str:
    return matching(
        values,
        "appName",
        None,
        _APP_NAME,
        "is not a valid function app name: use 2 to 60 lower-case letters, digits and hyphens",
    )


def runtime(values: Mapping[str, Any]) -> tuple[str, str]:
    """The worker runtime and its version."""
    name = text(values, "runtime", "python")
    if name not in RUNTIME_VERSIONS:
        raise ConfigError(
            "runtime",
            name,
            "is not a supported worker runtime",
            f"use one of {', '.join(RUNTIME_VERSIONS)}",
        )
    return name, text(values, "runtimeVersion", RUNTIME_VERSIONS[name])


def plan_sku(values: Mapping[str, Any]) -> tuple[str, PlanFamily]:
    sku = text(values, "planSku", "EP1")
    try:
        return sku, plan_family(sku)
    except ValueError as exc:
        raise ConfigError("planSku", sku, str(exc), "pick a listed SKU") from None


def strategy(values: Mapping[str, Any], flex: FlexConfig | None) -> Strategy:
    chosen = choice(values, "strategy", Strategy, Strategy.SLOTS)
    if flex is not None and chosen is Strategy.SLOTS:
        raise ConfigError(
            "strategy",
            chosen.value,
            "Flex Consumption (FC1) has no deployment slots",
            "use strategy: versioning (one app, rolled out in place) or strategy: routing "
            "(one Flex app per version), or an Elastic Premium plan for slots",
        )
    return chosen


def hub_name(values: Mapping[str, Any], app: str) -> str:
    return hub("hubName", text(values, "hubName", re.sub(r"[^A-Za-z0-9]", "", app)))


def storage_prefix(values: Mapping[str, Any], app: str) -> str:
    return matching(
        values,
        "storagePrefix",
        re.sub(r"[^a-z0-9]", "", app)[:16],
        _STORAGE_PREFIX,
        "must be 3 to 16 lower-case letters and digits (storage account names are global): "
        "pick a unique prefix",
    )


def durable_setting(values: Mapping[str, Any], default: str) -> str:
    return matching(
        values,
        "durableSetting",
        default,
        _SETTING_NAME,
        "is not a valid app setting name: use letters, digits and single underscores",
    )


def host_json_schema(values: Mapping[str, Any], versioning: VersioningConfig) -> str:
    schema = text(values, "hostJsonSchema", "2")
    if schema not in ("1", "2"):
        raise ConfigError("hostJsonSchema", schema, "must be 1 or 2", 'use "2" (Functions 2.x+)')
    if schema == "1" and versioning != VersioningConfig():
        raise ConfigError(
            "hostJsonSchema",
            schema,
            "Functions 1.x has no orchestration versioning",
            'use "2", or remove the versioning block',
        )
    return schema


def connection(values: Mapping[str, Any]) -> Connection:
    return choice(values, "connection", Connection, Connection.IDENTITY)


def tags(values: Mapping[str, Any]) -> dict[str, str]:
    return {str(k): str(v) for k, v in mapping(values, "tags").items()}
