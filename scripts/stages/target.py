"""Where a stage reads a task hub: its name and a connection, from values or a slot's settings.

A swap moves the durable settings with the code, so after the first release the slot
names in the stack's outputs no longer say which hub production runs. The live app
settings do: `slot_hub` reads them and resolves the connection the way the Functions host
does, unless the user names the hub and connection explicitly.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from scripts.stages.arm import AppSlots
from scripts.stages.stack_outputs import StackApp, read_stack_slot
from taskhub.clouds import NOT_AZURE_FIX
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import ConfigurationError
from taskhub.hostjson import DurableReading
from taskhub.hubs import TaskHub
from taskhub.sources import Connection, HubAddress


def resolve_connection(
    connection_string: str | None,
    account_url: str | None,
    connection_setting: str | None,
    environ: Mapping[str, str],
    allowed_endpoints: Collection[str] = (),
) -> Connection:
    """The one connection the options name; `environ` holds the setting `connection_setting`
    names (the pipeline step's environment, read by the CLI); `allowed_endpoints` are hosts
    the user named fit for a token besides Azure's own (taskhub/clouds.py)."""
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
        return StorageConnection.from_account_url(account_url, allowed_endpoints=allowed_endpoints)
    assert connection_setting is not None
    return StorageConnection.from_setting(
        connection_setting, environ, allowed_endpoints=allowed_endpoints
    )


def retry_settings(retries: int) -> RetrySettings:
    return RetrySettings(total=retries)


def task_hub(hub: str, tracking_prefix: str | None) -> TaskHub:
    return TaskHub(name=hub.strip(), tracking_prefix=tracking_prefix)


def resolve_address(
    *,
    hub: str | None,
    tracking_prefix: str | None,
    connection_string: str | None,
    account_url: str | None,
    connection_setting: str | None,
    stack_output: Path | None,
    app: str | None,
    slot: str,
    environ: Mapping[str, str],
    allowed_endpoints: Collection[str] = (),
) -> HubAddress:
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
    return HubAddress(
        hub=task_hub(hub, tracking_prefix),
        connection=resolve_connection(
            connection_string, account_url, connection_setting, environ, allowed_endpoints
        ),
    )


@dataclass(frozen=True)
class DrainArgs:
    hub: str | None
    connection_string: str | None
    account_url: str | None
    connection_setting: str | None
    tracking_prefix: str | None
    retries: int
    environ: Mapping[str, str] = field(repr=False)
    """Where `connection_setting` is looked up: the pipeline step's environment."""
    allow_endpoint: list[str] | None = None
    """Hosts named fit for a token besides Azure's storage (taskhub/clouds.py)."""

    @property
    def retry(self) -> RetrySettings:
        return retry_settings(self.retries)

    @property
    def explicit_connection(self) -> bool:
        return bool(self.connection_string or self.account_url or self.connection_setting)


@dataclass(frozen=True)
class SlotHub:
    address: HubAddress
    source: str
    """Where the hub and connection came from, for the report."""


def slot_hub(slots: AppSlots, slot: str, drain: DrainArgs, stack: StackApp | None) -> SlotHub:
    """The task hub `slot` runs now, and a connection to its Instances table.

    Explicit options win. Otherwise the slot's live app settings name the hub, the tracking
    store and the connection setting, resolved like the host resolves it (connection
    string, or NAME__accountName / NAME__tableServiceUri with DefaultAzureCredential).
    """
    live = slots.settings(slot) if not (drain.hub and drain.explicit_connection) else {}
    durable = DurableReading.from_app_settings(live)
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
            drain.connection_string,
            drain.account_url,
            drain.connection_setting,
            drain.environ,
            drain.allow_endpoint or (),
        )
        return SlotHub(HubAddress(task_hub(hub, prefix), connection), "explicit options")
    name = (
        durable.require_instances_connection(f"slot {slot!r}")
        if durable
        else declared.get("connectionSetting")
    )
    if not name:
        raise ConfigurationError(
            f"cannot tell which storage connection slot {slot!r} uses",
            fix="pass --connection-setting, --account-url or --connection-string",
        )
    try:
        connection = StorageConnection.from_setting(
            name, live, allowed_endpoints=drain.allow_endpoint or ()
        )
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"slot {slot!r}: {exc.message.replace('in this environment', 'in its app settings')}",
            fix=exc.fix
            if exc.fix == NOT_AZURE_FIX
            else "pass --connection-setting, --account-url or --connection-string",
        ) from None
    return SlotHub(
        HubAddress(task_hub(hub, prefix), connection), f"live app settings of {slot!r} ({name})"
    )
