"""What a validated stack config is: the values the components are built from.

Every error names the key, the bad value and the fix, because the person reading it is
running `pulumi preview` in a pipeline log, far from this code.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from taskhub.app_service_plans import PlanFamily, plan_family
from taskhub.errors import DurableDeployError
from taskhub.flex import (
    DEFAULT_INSTANCE_MEMORY_MB,
    DEFAULT_MAXIMUM_INSTANCES,
    SiteUpdateStrategy,
)
from taskhub.hubs import DEFAULT_TRACKING_PREFIX
from taskhub.scheduler_settings import DEFAULT_RETENTION_DAYS, Backend, SchedulerSku
from taskhub.versions import FailureStrategy, MatchStrategy

NAMESPACE = "durable-zero-downtime"


class Strategy(StrEnum):
    VERSIONING = "versioning"
    SLOTS = "slots"
    ROUTING = "routing"


class SlotMode(StrEnum):
    ACCOUNTS = "accounts"
    """A durable storage account per slot (the documented default)."""
    HUBS = "hubs"
    """One durable account, a distinct task hub name per slot."""


class Connection(StrEnum):
    IDENTITY = "identity"
    CONNECTION_STRING = "connectionString"


class ConfigError(DurableDeployError, ValueError):
    def __init__(self, key: str, value: Any, problem: str, fix: str) -> None:
        self.key = f"{NAMESPACE}:{key}"
        super().__init__(f"{self.key} = {value!r}: {problem}", fix=fix)

    def __str__(self) -> str:
        """What `pulumi up` prints: the message and its fix on one line."""
        return f"{self.message}. Fix: {self.fix}"


@dataclass(frozen=True)
class VersioningConfig:
    default_version: str | None = None
    match_strategy: MatchStrategy | None = None
    failure_strategy: FailureStrategy | None = None
    classic: tuple[tuple[str, str], ...] = ()
    """Classic form: (orchestrator, current versioned function name) pairs."""


@dataclass(frozen=True)
class SlotConfig:
    name: str
    hub_name: str
    storage_account: str | None
    """The slot's durable storage account; None on the Durable Task Scheduler."""


@dataclass(frozen=True)
class RoutingConfig:
    """One function app per major.minor; all share one tracking store and prefix."""

    versions: tuple[str, ...]
    tracking_prefix: str = DEFAULT_TRACKING_PREFIX


@dataclass(frozen=True)
class FlexConfig:
    """`functionAppConfig` of a Flex Consumption app (see taskhub/flex.py for the sources)."""

    maximum_instance_count: int = DEFAULT_MAXIMUM_INSTANCES
    instance_memory_mb: int = DEFAULT_INSTANCE_MEMORY_MB
    always_ready: tuple[tuple[str, int], ...] = ()
    # The platform's default is Recreate; for Durable apps we default to RollingUpdate,
    # which keeps in-progress executions alive (versioning settings then become mandatory).
    site_update_strategy: SiteUpdateStrategy = SiteUpdateStrategy.ROLLING_UPDATE


@dataclass(frozen=True)
class SchedulerConfig:
    """The app's own Durable Task Scheduler (see taskhub/scheduler_settings.py)."""

    ip_allowlist: tuple[str, ...]
    sku: SchedulerSku = SchedulerSku.CONSUMPTION
    capacity: int | None = None
    """Capacity units; Dedicated only."""
    retention_days: int = DEFAULT_RETENTION_DAYS


@dataclass(frozen=True)
class AppConfig:
    app_name: str
    runtime: str
    runtime_version: str
    plan_sku: str
    strategy: Strategy
    connection: Connection
    durable_setting: str
    """The setting host.json's connection names: a storage account, or the scheduler."""
    hub_name: str
    storage_prefix: str
    slot_mode: SlotMode
    slots: tuple[SlotConfig, ...]
    sticky_settings: tuple[str, ...] = ()
    versioning: VersioningConfig = VersioningConfig()
    host_json_schema: str = "2"
    tags: dict[str, str] = field(default_factory=dict)
    routing: RoutingConfig | None = None
    flex: FlexConfig | None = None
    """Set exactly when the plan is Flex Consumption (FC1)."""
    scheduler: SchedulerConfig | None = None
    """Set exactly when the backend is the Durable Task Scheduler."""

    @property
    def plan_family(self) -> PlanFamily:
        return plan_family(self.plan_sku)

    @property
    def backend(self) -> Backend:
        return Backend.AZURE_STORAGE if self.scheduler is None else Backend.DURABLE_TASK_SCHEDULER

    @property
    def runtime_storage_account(self) -> str:
        return f"{self.storage_prefix}rt"
