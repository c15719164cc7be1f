"""The options naming an app in Azure, and which task hub one of its slots runs right now.

A swap moves the durable settings with the code, so after the first release the slot
names in the stack's outputs no longer say which hub production runs. The live app
settings do: the stages read them through ARM and resolve the connection the way the
Functions host does, unless the user names the hub and connection explicitly.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

import typer

from scripts.arm import ARM_ENDPOINT_ENV, AppRef, AppSlots, open_slots
from scripts.connect import (
    AccountUrlOption,
    ConnectionSettingOption,
    ConnectionStringOption,
    HubOption,
    RetriesOption,
    StackOutputOption,
    Target,
    TrackingPrefixOption,
    resolve_connection,
    retry_settings,
    shared_options,
    task_hub,
)
from scripts.stack_outputs import StackApp, read_stack_app
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import ConfigurationError
from taskhub.hostjson import DurableSettings

APP_PANEL = "The app in Azure"


@dataclass(frozen=True)
class ArmArgs:
    subscription: str | None
    resource_group: str | None
    app: str | None
    stack_output: Path | None
    arm_endpoint: str | None
    arm_retries: int

    @functools.cached_property
    def stack(self) -> StackApp | None:
        """The app's entry in the stack outputs, read once per command."""
        return read_stack_app(self.stack_output, self.app) if self.stack_output else None

    def ref(self) -> AppRef:
        stack = self.stack
        app = self.app or (stack.app if stack else None)
        group = self.resource_group or (stack.resource_group if stack else None)
        missing = [
            flag
            for flag, value in (
                ("--subscription (or AZURE_SUBSCRIPTION_ID)", self.subscription),
                ("--resource-group", group),
                ("--app", app),
            )
            if not value
        ]
        if missing or not (self.subscription and group and app):
            raise ConfigurationError(
                f"the app in Azure is not fully named: {', '.join(missing)} missing",
                fix="pass them, or --stack-output FILE for the resource group and app",
            )
        return AppRef(self.subscription, group, app)

    def slots(self) -> AppSlots:
        return open_slots(self.ref(), self.arm_endpoint, self.arm_retries)


def _arm_options(
    subscription: Annotated[
        str | None,
        typer.Option(
            envvar="AZURE_SUBSCRIPTION_ID",
            help="Subscription id of the app.",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    resource_group: Annotated[
        str | None,
        typer.Option(
            help="Resource group of the app (taken from --stack-output if given).",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    app: Annotated[
        str | None,
        typer.Option(
            help="Function app name (taken from --stack-output when it holds one app).",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    stack_output: StackOutputOption = None,
    arm_endpoint: Annotated[
        str | None,
        typer.Option(
            envvar=ARM_ENDPOINT_ENV,
            help="Azure Resource Manager URL (sovereign clouds); default "
            "https://management.azure.com.",
            rich_help_panel=APP_PANEL,
        ),
    ] = None,
    arm_retries: Annotated[
        int,
        typer.Option(
            min=0,
            help="Retries of a failed ARM request (429, 5xx, connection errors).",
            rich_help_panel=APP_PANEL,
        ),
    ] = 5,
) -> None:
    """Declares the app options once, for every stage that calls ARM."""


with_arm_options = shared_options(_arm_options, ArmArgs, name="site")

DRAIN_PANEL = "Which task hub to drain (default: what the target slot's settings say)"


@dataclass(frozen=True)
class DrainArgs:
    hub: str | None
    connection_string: str | None
    account_url: str | None
    connection_setting: str | None
    tracking_prefix: str | None
    retries: int

    @property
    def retry(self) -> RetrySettings:
        return retry_settings(self.retries)

    @property
    def explicit_connection(self) -> bool:
        return bool(self.connection_string or self.account_url or self.connection_setting)


def _drain_options(
    hub: HubOption = None,
    connection_string: ConnectionStringOption = None,
    account_url: AccountUrlOption = None,
    connection_setting: ConnectionSettingOption = None,
    tracking_prefix: TrackingPrefixOption = None,
    retries: RetriesOption = 5,
) -> None:
    """Declares the hub overrides once, for `swap --require-drained` and `release`."""


with_drain_options = shared_options(_drain_options, DrainArgs, name="drain")


@dataclass(frozen=True)
class SlotHub:
    target: Target
    source: str
    """Where the hub and connection came from, for the report."""


def slot_hub(slots: AppSlots, slot: str, drain: DrainArgs, stack: StackApp | None) -> SlotHub:
    """The task hub `slot` runs now, and a connection to its Instances table.

    Explicit options win. Otherwise the slot's live app settings name the hub, the tracking
    store and the connection setting, resolved like the host resolves it (connection
    string, or NAME__accountName / NAME__tableServiceUri with DefaultAzureCredential).
    """
    live = slots.settings(slot) if not (drain.hub and drain.explicit_connection) else {}
    durable = DurableSettings.from_app_settings(live)
    declared = (stack.slots.get(slot) or {}) if stack else {}
    hub = drain.hub or (durable.hub_name if durable else declared.get("taskHub"))
    if not hub:
        raise ConfigurationError(
            f"cannot tell which task hub slot {slot!r} runs: its app settings do not override "
            "hubName (so the package's host.json names it)",
            fix="pass --hub",
        )
    prefix = drain.tracking_prefix or (durable.tracking_prefix if durable else None)
    if drain.explicit_connection:
        connection = resolve_connection(
            drain.connection_string, drain.account_url, drain.connection_setting
        )
        return SlotHub(Target(task_hub(hub, prefix), connection), "explicit options")
    name = durable.instances_connection_name if durable else declared.get("connectionSetting")
    if not name:
        raise ConfigurationError(
            f"cannot tell which storage connection slot {slot!r} uses",
            fix="pass --connection-setting, --account-url or --connection-string",
        )
    try:
        connection = StorageConnection.from_setting(name, live)
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"slot {slot!r}: {exc.message.replace('in this environment', 'in its app settings')}",
            fix="pass --connection-setting, --account-url or --connection-string",
        ) from None
    return SlotHub(
        Target(task_hub(hub, prefix), connection), f"live app settings of {slot!r} ({name})"
    )
