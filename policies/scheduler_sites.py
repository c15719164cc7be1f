"""What a site's app settings say about its Durable Task Scheduler: connection, scheduler.

The scheduler provider reads its connection from the setting host.json names
(`connectionName`, then `connectionStringName`), else DURABLE_TASK_SCHEDULER_CONNECTION_STRING
(taskhub/scheduler_settings.py has the sources); configuration keys ignore case.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from policies.durable_settings import (
    CONNECTION,
    LEGACY_CONNECTION,
    connection_name,
    state_settings,
)
from policies.model import SCHEDULER, Resource, Site, Stack
from policies.scheduler_connection import SchedulerConnection, parse
from policies.task_hubs import hub_sources
from taskhub.scheduler_settings import DEFAULT_CONNECTION_SETTING, TYPE_SETTING, uses_scheduler


def scheduler_connection_name(settings: Mapping[str, Any]) -> str:
    """The setting a scheduler site's connection string is read from."""
    named = any(settings.get(key) for key in (CONNECTION, LEGACY_CONNECTION))
    return connection_name(settings) if named else DEFAULT_CONNECTION_SETTING


def durable_state_settings(settings: Mapping[str, Any]) -> set[str]:
    """Every setting a site's durable state comes from, on either backend: none may be sticky.

    The storage connection's family, the scheduler's connection, the backend's type, every
    `AzureFunctionsJobHost__extensions__durableTask__*` value, and the settings hubName
    names. On the scheduler the connection is its own setting (never AzureWebJobsStorage).
    """
    if uses_scheduler(settings):
        settings = {**settings, CONNECTION: scheduler_connection_name(settings)}
    return state_settings(settings) | hub_sources(settings) | {TYPE_SETTING}


def connection_of(settings: Mapping[str, Any]) -> SchedulerConnection | None:
    """The scheduler connection a site's settings hold; None when not set or not known."""
    wanted = scheduler_connection_name(settings).lower()
    value = next((v for k, v in settings.items() if k.lower() == wanted), None)
    if not isinstance(value, str) or value.startswith("@Microsoft.KeyVault("):
        return None
    return parse(value)


def scheduler_sites(stack: Stack) -> list[Site]:
    """Sites whose settings select the scheduler backend."""
    return [s for app in stack.values() for s in app.sites.values() if uses_scheduler(s.settings)]


def scheduler_of(site: Site, stack: Stack) -> str | Resource | None:
    """Which scheduler a site talks to: its endpoint's address when its connection string is
    known, else the one Scheduler resource its settings are computed from; None if unknown.
    """
    connection = connection_of(site.settings)
    if connection is not None and connection.endpoint:
        return connection.address
    schedulers = [stack.by_urn[u] for u in sorted(site.feeds) if u in stack.by_urn]
    schedulers = [r for r in schedulers if r.type == SCHEDULER]
    return schedulers[0] if len(schedulers) == 1 else None
