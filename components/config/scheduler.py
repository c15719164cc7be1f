"""The `backend` and `scheduler` keys: durable state on Azure Storage or on the app's own
Durable Task Scheduler (sources in taskhub/scheduler_settings.py)."""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any

from components.config.model import ConfigError, SchedulerConfig, Strategy
from components.config.readers import block, choice, integer
from taskhub.scheduler_settings import (
    DEFAULT_RETENTION_DAYS,
    MAX_CONSUMPTION_RETENTION_DAYS,
    MAX_RETENTION_DAYS,
    Backend,
    SchedulerSku,
)

ROUTING_REFUSED = (
    "application routing needs one owner per instance id across all version apps: on Azure "
    "Storage the apps share one tracking store, whose Instances table holds a single row per "
    "instance id for the whole group, and the router reads the owner there; on the Durable "
    "Task Scheduler every version app has its own task hub and nothing is shared, each hub "
    "keeps instance ids unique only within itself, so an id several hubs hold (a reused or "
    "fixed singleton id) has no single owner and the router could send a request to the "
    "wrong version"
)


def backend(values: Mapping[str, Any], strategy: Strategy) -> Backend:
    chosen = choice(values, "backend", Backend, Backend.AZURE_STORAGE)
    if chosen is Backend.DURABLE_TASK_SCHEDULER and strategy is Strategy.ROUTING:
        raise ConfigError(
            "backend",
            chosen.value,
            ROUTING_REFUSED,
            "use backend: azureStorage for strategy: routing, or strategy: versioning or "
            "slots on the scheduler",
        )
    return chosen


def scheduler(values: Mapping[str, Any], chosen: Backend, schema: str) -> SchedulerConfig | None:
    found = block(values, "scheduler")
    if chosen is not Backend.DURABLE_TASK_SCHEDULER:
        if found:
            raise ConfigError(
                "scheduler",
                dict(found),
                "applies to backend durableTaskScheduler only",
                "remove it, or set backend: durableTaskScheduler",
            )
        return None
    if schema == "1":
        raise ConfigError(
            "hostJsonSchema",
            schema,
            "Functions 1.x has no Durable Task Scheduler provider",
            'use "2"',
        )
    sku = choice(found, "sku", SchedulerSku, SchedulerSku.CONSUMPTION, within="scheduler.")
    return SchedulerConfig(
        ip_allowlist=_ip_allowlist(found),
        sku=sku,
        capacity=_capacity(found, sku),
        retention_days=_retention_days(found, sku),
    )


def _ip_allowlist(found: Mapping[str, Any]) -> tuple[str, ...]:
    """Required, and never empty: an empty allow list denies every caller, the apps too."""
    entries = found.get("ipAllowlist")
    fix = (
        'list the addresses or CIDR ranges allowed to reach the scheduler, e.g. ["0.0.0.0/0"] '
        "for any address (callers still need an Entra token and a data role)"
    )
    if not isinstance(entries, list) or not entries:
        problem = (
            "an empty allow list denies every caller, the apps included"
            if isinstance(entries, list)
            else "is required: the scheduler refuses every address not on it"
        )
        raise ConfigError("scheduler.ipAllowlist", entries, problem, fix)
    for entry in entries:
        try:
            ipaddress.ip_network(str(entry), strict=False)
        except ValueError:
            raise ConfigError(
                "scheduler.ipAllowlist",
                entries,
                f"{entry!r} is not an IPv4 or IPv6 address or CIDR range",
                fix,
            ) from None
    return tuple(str(e) for e in entries)


def _capacity(found: Mapping[str, Any], sku: SchedulerSku) -> int | None:
    if sku is SchedulerSku.CONSUMPTION:
        if "capacity" in found:
            raise ConfigError(
                "scheduler.capacity",
                found["capacity"],
                "the Consumption SKU has no capacity units",
                "remove it, or set scheduler.sku: Dedicated",
            )
        return None
    units = integer(found, "capacity", 1, within="scheduler.")
    if units < 1:
        raise ConfigError(
            "scheduler.capacity", units, "must be 1 or more capacity units", "set 1 or more"
        )
    return units


def _retention_days(found: Mapping[str, Any], sku: SchedulerSku) -> int:
    days = integer(found, "retentionDays", DEFAULT_RETENTION_DAYS, within="scheduler.")
    high = MAX_CONSUMPTION_RETENTION_DAYS if sku is SchedulerSku.CONSUMPTION else MAX_RETENTION_DAYS
    if not 1 <= days <= high:
        raise ConfigError(
            "scheduler.retentionDays",
            days,
            f"the {sku.value} SKU keeps finished instances 1 to {high} days",
            f"set a value from 1 to {high}",
        )
    return days
