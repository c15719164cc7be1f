"""The options naming a task hub and its connection (Azure Storage or the Durable Task
Scheduler, told apart by the connection's shape), or a shared tracking store."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.cli.options import shared_options
from scripts.stages.routes import TrackingStore
from scripts.stages.stack_outputs import read_outputs, typed
from scripts.stages.target import resolve_address, resolve_connection, retry_settings
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.connection import RetrySettings
from taskhub.hubs import DEFAULT_TRACKING_PREFIX
from taskhub.sources import Connection, HubAddress

PANEL = "Where the task hub lives"

ConnectionStringOption = Annotated[
    str | None,
    typer.Option(
        "--connection-string",
        envvar="DURABLE_DEPLOY_CONNECTION_STRING",
        show_default=False,
        help="Storage connection string (UseDevelopmentStorage=true for Azurite), or a Durable "
        "Task Scheduler one (Endpoint=https://<scheduler>.<region>.durabletask.io;"
        "Authentication=DefaultAzure[;TaskHub=<hub>]; --hub wins over TaskHub=). Prefer the "
        "environment variable, which keeps a key out of process listings. Never printed.",
        rich_help_panel=PANEL,
    ),
]
AccountUrlOption = Annotated[
    str | None,
    typer.Option(
        "--account-url",
        help="Table endpoint (https://<account>.table.core.windows.net), signed in with "
        "DefaultAzureCredential (az login, workload identity, managed identity).",
        rich_help_panel=PANEL,
    ),
]
ConnectionSettingOption = Annotated[
    str | None,
    typer.Option(
        "--connection-setting",
        help="NAME of the app setting host.json's connectionName points at (e.g. "
        "DurableManagementStorage, or DURABLE_TASK_SCHEDULER_CONNECTION_STRING), read from "
        "the environment; NAME__accountName and NAME__tableServiceUri select an "
        "identity-based storage connection.",
        rich_help_panel=PANEL,
    ),
]
HubOption = Annotated[
    str | None,
    typer.Option(
        "--hub",
        help="Task hub name, as host.json hubName sets it (taken from --stack-output if given).",
        rich_help_panel=PANEL,
    ),
]
StackOutputOption = Annotated[
    Path | None,
    typer.Option(
        "--stack-output",
        metavar="FILE",
        help="`pulumi stack output --json` of this project's stack: hub name, tracking prefix "
        "and table endpoint (or scheduler endpoint) come from it (the endpoint is read with "
        "DefaultAzureCredential unless a connection option is given).",
        rich_help_panel=PANEL,
    ),
]
AppOption = Annotated[
    str | None,
    typer.Option(
        "--app", help="App in --stack-output (needed when it holds several).", rich_help_panel=PANEL
    ),
]
SlotOption = Annotated[
    str,
    typer.Option("--slot", help="Slot in --stack-output whose hub to read.", rich_help_panel=PANEL),
]
TrackingPrefixOption = Annotated[
    str | None,
    typer.Option(
        "--tracking-prefix",
        help="trackingStoreNamePrefix when the hub shares a tracking store: reads "
        "<prefix>Instances and keeps only this hub's rows (by TaskHubName). Point the "
        "connection at the tracking store account.",
        rich_help_panel=PANEL,
    ),
]
AllowEndpointOption = Annotated[
    list[str] | None,
    typer.Option(
        "--allow-endpoint",
        metavar="HOST[:PORT]",
        help="A storage endpoint outside Azure's (*.core.windows.net, *.core.chinacloudapi.cn, "
        "*.core.usgovcloudapi.net), or a scheduler outside *.durabletask.io, that may receive "
        "the DefaultAzureCredential token (repeatable), e.g. an emulator. Any other endpoint "
        "from --account-url, --stack-output or a slot's settings is refused (exit 2).",
        rich_help_panel=PANEL,
    ),
]
RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries",
        min=0,
        help="Retries of a failed storage request (timeouts, 429, 5xx, connection errors) or "
        "scheduler call (UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED), with "
        "exponential backoff, before the stage gives up with exit 2.",
        rich_help_panel=PANEL,
    ),
]


@dataclass(frozen=True)
class ConnectionArgs:
    """How a hub or a tracking store is reached (`connection_options`)."""

    connection_string: str | None
    account_url: str | None
    connection_setting: str | None
    tracking_prefix: str | None
    retries: int
    allow_endpoint: list[str] | None

    @property
    def retry(self) -> RetrySettings:
        return retry_settings(self.retries)


@dataclass(frozen=True)
class HubArgs(ConnectionArgs):
    """Where the task hub lives, as every hub-reading stage takes it from the command line."""

    hub: str | None
    stack_output: Path | None
    app: str | None
    slot: str

    def address(self, *, default_hub: str | None = None) -> HubAddress:
        return resolve_address(
            hub=self.hub or default_hub,
            tracking_prefix=self.tracking_prefix,
            connection_string=self.connection_string,
            account_url=self.account_url,
            connection_setting=self.connection_setting,
            stack_output=self.stack_output,
            app=self.app,
            slot=self.slot,
            environ=os.environ,
            allowed_endpoints=self.allow_endpoint or (),
        )


def connection_options(
    connection_string: ConnectionStringOption = None,
    account_url: AccountUrlOption = None,
    connection_setting: ConnectionSettingOption = None,
    tracking_prefix: TrackingPrefixOption = None,
    retries: RetriesOption = 5,
    allow_endpoint: AllowEndpointOption = None,
) -> None:
    """Declares how a hub or store is reached, once, for every option group that reads one."""


def _hub_place(
    hub: HubOption = None,
    stack_output: StackOutputOption = None,
    app: AppOption = None,
    slot: SlotOption = PRODUCTION_SLOT,
) -> None:
    """Declares which hub, by name or by a stack output's app and slot."""


with_hub_options = shared_options((_hub_place, connection_options), HubArgs)


@dataclass(frozen=True)
class StoreArgs(ConnectionArgs):
    """The storage account of a shared tracking store (routes, instances of every version)."""

    stack_output: Path | None

    @functools.cached_property
    def stack(self) -> dict[str, Any]:
        """The stack outputs, read once per command."""
        return read_outputs(self.stack_output) if self.stack_output is not None else {}

    @property
    def router(self) -> dict[str, Any]:
        """The stack's `router` output (tracking store endpoint and prefix), checked."""
        return typed(self.stack, "router", dict, str(self.stack_output), required=False) or {}

    def connection(self) -> Connection:
        router = self.router
        explicit = self.connection_string or self.account_url or self.connection_setting
        endpoint = typed(router, "tableEndpoint", str, "router", required=False)
        return resolve_connection(
            self.connection_string,
            self.account_url or (None if explicit else endpoint),
            self.connection_setting,
            os.environ,
            self.allow_endpoint or (),
        )

    @property
    def prefix(self) -> str:
        prefix = typed(self.router, "trackingPrefix", str, "router", required=False)
        return self.tracking_prefix or prefix or DEFAULT_TRACKING_PREFIX

    def tracking(self) -> TrackingStore:
        return TrackingStore(self.connection(), self.retry, self.prefix)


def _store_place(stack_output: StackOutputOption = None) -> None:
    """Declares the stack output whose `router` names the tracking store."""


with_store_options = shared_options((_store_place, connection_options), StoreArgs)
