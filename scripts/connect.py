"""The connection options every stage that reads a task hub shares, and what they build."""

from __future__ import annotations

import functools
import inspect
import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.stack_outputs import read_outputs, read_stack_slot, typed
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import ConfigurationError
from taskhub.hubs import TaskHub

PANEL = "Where the task hub lives"

ConnectionStringOption = Annotated[
    str | None,
    typer.Option(
        "--connection-string",
        envvar="DURABLE_DEPLOY_CONNECTION_STRING",
        show_default=False,
        help="Storage connection string, or UseDevelopmentStorage=true. Prefer the environment "
        "variable, which keeps the key out of process listings. Never printed.",
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
        "DurableManagementStorage), read from the environment; NAME__accountName and "
        "NAME__tableServiceUri select an identity-based connection.",
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
        "and table endpoint come from it (the endpoint is read with DefaultAzureCredential "
        "unless a connection option is given).",
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
RetriesOption = Annotated[
    int,
    typer.Option(
        "--retries",
        min=0,
        help="Retries of a failed storage request (timeouts, 429, 5xx, connection errors), "
        "with exponential backoff, before the stage gives up with exit 2.",
        rich_help_panel=PANEL,
    ),
]


def resolve_connection(
    connection_string: str | None, account_url: str | None, connection_setting: str | None
) -> StorageConnection:
    given = {
        "--connection-string": connection_string,
        "--account-url": account_url,
        "--connection-setting": connection_setting,
    }
    chosen = [flag for flag, value in given.items() if value]
    if len(chosen) != 1:
        problem = "no connection was given" if not chosen else f"{' and '.join(chosen)} conflict"
        raise ConfigurationError(
            problem,
            fix="pass exactly one of --connection-string (or DURABLE_DEPLOY_CONNECTION_STRING), "
            "--account-url or --connection-setting",
        )
    if connection_string:
        return StorageConnection.from_connection_string(connection_string)
    if account_url:
        return StorageConnection.from_account_url(account_url)
    assert connection_setting is not None
    return StorageConnection.from_setting(connection_setting, os.environ)


def retry_settings(retries: int) -> RetrySettings:
    return RetrySettings(total=retries)


def task_hub(hub: str, tracking_prefix: str | None) -> TaskHub:
    return TaskHub(name=hub.strip(), tracking_prefix=tracking_prefix)


@dataclass(frozen=True)
class Target:
    hub: TaskHub
    connection: StorageConnection


def resolve_target(
    *,
    hub: str | None,
    tracking_prefix: str | None,
    connection_string: str | None,
    account_url: str | None,
    connection_setting: str | None,
    stack_output: Path | None,
    app: str | None,
    slot: str,
) -> Target:
    """The hub and connection from explicit options, filled in from stack outputs."""
    if stack_output is not None:
        entry = read_stack_slot(stack_output, app, slot)
        if hub and hub != entry.hub:
            raise ConfigurationError(
                f"--hub {hub!r} contradicts the stack output ({entry.app}/{entry.slot} uses "
                f"{entry.hub!r})",
                fix="drop --hub when --stack-output is given",
            )
        hub = entry.hub
        tracking_prefix = tracking_prefix or entry.tracking_prefix
        if not (connection_string or account_url or connection_setting):
            account_url = entry.table_endpoint
    if not hub:
        raise ConfigurationError("no task hub was named", fix="pass --hub or --stack-output")
    return Target(
        hub=task_hub(hub, tracking_prefix),
        connection=resolve_connection(connection_string, account_url, connection_setting),
    )


@dataclass(frozen=True)
class HubArgs:
    """Where the task hub lives, as every hub-reading stage takes it from the command line."""

    hub: str | None
    stack_output: Path | None
    app: str | None
    slot: str
    connection_string: str | None
    account_url: str | None
    connection_setting: str | None
    tracking_prefix: str | None
    retries: int

    def target(self, *, default_hub: str | None = None) -> Target:
        return resolve_target(
            hub=self.hub or default_hub,
            tracking_prefix=self.tracking_prefix,
            connection_string=self.connection_string,
            account_url=self.account_url,
            connection_setting=self.connection_setting,
            stack_output=self.stack_output,
            app=self.app,
            slot=self.slot,
        )

    @property
    def retry(self) -> RetrySettings:
        return retry_settings(self.retries)


def _hub_options(
    hub: HubOption = None,
    stack_output: StackOutputOption = None,
    app: AppOption = None,
    slot: SlotOption = "production",
    connection_string: ConnectionStringOption = None,
    account_url: AccountUrlOption = None,
    connection_setting: ConnectionSettingOption = None,
    tracking_prefix: TrackingPrefixOption = None,
    retries: RetriesOption = 5,
) -> None:
    """Declares the shared options once; `with_hub_options` copies them onto commands."""


def shared_options(
    template: Callable[..., None], build: Callable[..., Any], name: str = "where"
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A decorator giving commands the options `template` declares, passed as `name`.

    Typer reads a command's options from its signature, so the wrapper presents the
    command's own parameters plus the shared ones, all keyword-only, and hands the shared
    values to the command as one object built by `build`.
    """
    shared = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in inspect.signature(template, eval_str=True).parameters.values()
    ]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.name != name
        ]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> None:
            built = build(**{p.name: kwargs.pop(p.name) for p in shared})
            command(**{name: built}, **kwargs)

        parameters = shared + own
        wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate


with_hub_options = shared_options(_hub_options, HubArgs)


@dataclass(frozen=True)
class StoreArgs:
    """The storage account of a shared tracking store (routes, instances of every version)."""

    stack_output: Path | None
    connection_string: str | None
    account_url: str | None
    connection_setting: str | None
    tracking_prefix: str | None
    retries: int

    @functools.cached_property
    def stack(self) -> dict[str, Any]:
        """The stack outputs, read once per command."""
        return read_outputs(self.stack_output) if self.stack_output is not None else {}

    @property
    def router(self) -> dict[str, Any]:
        """The stack's `router` output (tracking store endpoint and prefix), checked."""
        return typed(self.stack, "router", dict, str(self.stack_output), required=False) or {}

    def connection(self) -> StorageConnection:
        router = self.router
        explicit = self.connection_string or self.account_url or self.connection_setting
        endpoint = typed(router, "tableEndpoint", str, "router", required=False)
        return resolve_connection(
            self.connection_string,
            self.account_url or (None if explicit else endpoint),
            self.connection_setting,
        )

    @property
    def retry(self) -> RetrySettings:
        return retry_settings(self.retries)

    @property
    def prefix(self) -> str:
        prefix = typed(self.router, "trackingPrefix", str, "router", required=False)
        return self.tracking_prefix or prefix or "DurableTask"


def _store_options(
    stack_output: StackOutputOption = None,
    connection_string: ConnectionStringOption = None,
    account_url: AccountUrlOption = None,
    connection_setting: ConnectionSettingOption = None,
    tracking_prefix: TrackingPrefixOption = None,
    retries: RetriesOption = 5,
) -> None:
    """Declares the tracking-store options once, for `with_store_options`."""


with_store_options = shared_options(_store_options, StoreArgs)
