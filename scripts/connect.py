"""The connection options every stage that reads a task hub shares, and what they build."""

from __future__ import annotations

import os
from typing import Annotated

import typer

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
    str,
    typer.Option(
        "--hub", help="Task hub name, as host.json hubName sets it.", rich_help_panel=PANEL
    ),
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
