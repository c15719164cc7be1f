"""The Durable Task Scheduler as a Durable Functions backend: settings, names and roles.

One home for what the components write and the policy pack reads when an app runs on the
scheduler (host.json `storageProvider.type: azureManaged`).

Sources:
- Settings: Microsoft's Durable Functions + scheduler quickstarts write host.json
  `{"hubName": "%TASKHUB_NAME%", "storageProvider": {"type": "azureManaged",
  "connectionStringName": "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"}}`. The provider is
  picked by `type`, compared case-insensitively with each factory's name
  (azure-functions-durable-extension `DurableTaskExtension.GetDurabilityProviderFactory`;
  the scheduler's factory is named "AzureManaged",
  `FunctionsScale/AzureManaged/AzureManagedScalabilityProviderFactory.cs`). That factory
  reads `connectionName`, then `connectionStringName`, else
  `DURABLE_TASK_SCHEDULER_CONNECTION_STRING`; host.json's (resolved) `hubName` wins over
  `TaskHub=` in the connection string.
- Names: ARM `Microsoft.DurableTask/schedulers` and `.../taskHubs` names match
  `^[a-zA-Z0-9-]{3,64}$` (Azure/bicep-types-az `generated/durabletask/.../2025-11-01/types.md`);
  the retention policy is the scheduler's one child named `default`.
- Retention: autopurge keeps finished instances 30 days unless told otherwise, 90 at most
  ("Set autopurge retention policies for Durable Task Scheduler"); the Consumption SKU keeps
  data 30 days at most (the Consumption SKU's documentation).
- Roles: azure-docs `articles/role-based-access-control/built-in-roles.md` (Integration).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from taskhub.hostjson import DurableSettings, override_setting

PROVIDER_TYPE = "azureManaged"
"""`storageProvider.type` of the scheduler backend (matched in any case)."""
DEFAULT_CONNECTION_SETTING = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
"""The setting the azureManaged provider reads when host.json names none."""

TYPE_SETTING = override_setting("storageProvider", "type")
CONNECTION_SETTING_NAME = override_setting("storageProvider", "connectionStringName")
"""The documented key for the scheduler (the provider also reads `connectionName` first)."""

DEFAULT_RETENTION_DAYS = 30
MAX_RETENTION_DAYS = 90
MAX_CONSUMPTION_RETENTION_DAYS = 30

_RESOURCE_NAME = re.compile(r"[a-zA-Z0-9-]{3,64}")


class SchedulerRole(StrEnum):
    """Built-in Durable Task data roles; assign them at the task hub (or scheduler) scope."""

    DATA_CONTRIBUTOR = "0ad04412-c4d5-4796-b79c-f76d14c8d402"
    """All data operations: what a Functions app needs (it is a worker and a client)."""
    DATA_READER = "d6a5505f-6ebb-45a4-896e-ac8274cfc0ac"
    """Read all scheduler data: enough for every read-only stage."""
    WORKER = "80d0d6b0-f522-40a4-8886-a5a11720c375"
    """What worker applications use to take and complete work items."""


RUNNING_ROLES = frozenset({SchedulerRole.DATA_CONTRIBUTOR, SchedulerRole.WORKER})
"""Roles with which an app's identity can process its hub's work."""


class SchedulerSku(StrEnum):
    CONSUMPTION = "Consumption"
    DEDICATED = "Dedicated"


class Backend(StrEnum):
    """Where an app's durable state lives (stack config `backend`)."""

    AZURE_STORAGE = "azureStorage"
    DURABLE_TASK_SCHEDULER = "durableTaskScheduler"


def uses_scheduler(settings: Mapping[str, Any]) -> bool | None:
    """Whether a site's app settings select the scheduler backend; None when not known.

    Only the app setting override is visible here: a type set in the package's host.json
    alone is out of sight, so an absent setting means the default (Azure Storage).
    """
    if TYPE_SETTING not in settings:
        return False
    value = settings[TYPE_SETTING]
    if not isinstance(value, str):
        return None
    return value.strip().lower() == PROVIDER_TYPE.lower()


def resource_name_problem(kind: str, name: str) -> str | None:
    """Why `name` cannot name a scheduler or task hub resource (ARM's pattern), or None."""
    if _RESOURCE_NAME.fullmatch(name):
        return None
    return f"{kind} name {name!r} must be 3 to 64 letters, digits and hyphens"


@dataclass(frozen=True)
class SchedulerSettings(DurableSettings):
    """A slot's durable settings on the scheduler: hub, provider type, connection, versioning.

    The storage-only values (tracking store, partition count) do not exist for this
    provider and are never written.
    """

    connection_name: str = DEFAULT_CONNECTION_SETTING

    def _values(self) -> list[tuple[tuple[str, ...], str | int]]:
        storage_only = {
            ("storageProvider", key)
            for key in (
                "connectionName",
                "trackingStoreConnectionName",
                "trackingStoreNamePrefix",
                "partitionCount",
            )
        }
        pairs: list[tuple[tuple[str, ...], str | int]] = [
            (("storageProvider", "type"), PROVIDER_TYPE),
            (("storageProvider", "connectionStringName"), self.connection_name),
        ]
        return pairs + [(path, v) for path, v in super()._values() if path not in storage_only]

    def host_json_v1(self) -> dict[str, Any]:
        raise ValueError("Functions 1.x has no Durable Task Scheduler provider")
