"""Where a stage reads a task hub: its name and a connection, from values or a slot's settings.

A swap moves the durable settings with the code, so after the first release the slot
names in the stack's outputs no longer say which hub production runs. The live app
settings do: `slot_hub` reads them and resolves the connection the way the Functions host
does, unless the user names the hub and connection explicitly.

Either backend: a connection string's shape says which (taskhub/sources.py), a stack
output's `backend`, a slot's `storageProvider.type` setting (`uses_scheduler`). On the
Durable Task Scheduler the hub given (--hub, the stack's, host.json's resolved hubName)
wins over the string's `TaskHub=`, as the host's does.
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
from taskhub.hubs import SchedulerHub, TaskHub
from taskhub.scheduler.connection_string import (
    SchedulerConnection,
    endpoint_connection,
    parse_scheduler_connection_string,
)
from taskhub.scheduler_settings import TYPE_SETTING, Backend, uses_scheduler
from taskhub.sources import Connection, HubAddress, connection_from_setting, parse_connection
from taskhub.storage_account import connection_section


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
        return parse_connection(connection_string)
    if account_url:
        return StorageConnection.from_account_url(account_url, allowed_endpoints=allowed_endpoints)
    assert connection_setting is not None
    return connection_from_setting(connection_setting, environ, allowed_endpoints=allowed_endpoints)


def retry_settings(retries: int) -> RetrySettings:
    return RetrySettings(total=retries)


def task_hub(hub: str, tracking_prefix: str | None) -> TaskHub:
    return TaskHub(name=hub.strip(), tracking_prefix=tracking_prefix)


def hub_on(connection: Connection, hub: str | None, tracking_prefix: str | None) -> TaskHub:
    """The hub `connection` reaches: `hub` when given, else (on a scheduler) the string's
    `TaskHub=`; each backend's naming rule applies."""
    if isinstance(connection, SchedulerConnection):
        return SchedulerHub(connection.hub(hub), tracking_prefix)
    if not hub:
        raise ConfigurationError("no task hub was named", fix="pass --hub or --stack-output")
    return task_hub(hub, tracking_prefix)


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
    from_stack: Connection | None = None
    explicit = bool(connection_string or account_url or connection_setting)
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
        if not explicit and entry.scheduler_endpoint is not None:
            from_stack = endpoint_connection(
                entry.scheduler_endpoint, source=f"stack output {entry.app}/{entry.slot}"
            ).for_pipeline(allowed_endpoints)
        elif not explicit and entry.table_endpoint is not None:
            from_stack = StorageConnection.from_account_url(
                entry.table_endpoint,
                source=f"--stack-output {stack_output}: apps.{entry.app}.slots.{entry.slot}"
                ".tableEndpoint",
                allowed_endpoints=allowed_endpoints,
            )
    connection = from_stack or resolve_connection(
        connection_string, account_url, connection_setting, environ, allowed_endpoints
    )
    return HubAddress(hub=hub_on(connection, hub, tracking_prefix), connection=connection)


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
    """The task hub `slot` runs now, and a connection that reads it.

    Explicit options win. Otherwise the slot's live app settings name the backend, the hub,
    the tracking store and the connection setting, resolved like the host resolves them: on
    Azure Storage a connection string, or NAME__accountName / NAME__tableServiceUri with
    DefaultAzureCredential; on the scheduler the setting's endpoint, read with the
    pipeline's own identity (`SchedulerConnection.for_pipeline`).
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
        return SlotHub(HubAddress(hub_on(connection, hub, prefix), connection), "explicit options")
    scheduler = (
        uses_scheduler(live) if live else declared.get("backend") == Backend.DURABLE_TASK_SCHEDULER
    )
    if scheduler is None:
        raise ConfigurationError(
            f"cannot tell which durable backend slot {slot!r} runs: its setting {TYPE_SETTING} "
            "is not readable here",
            fix="pass --connection-string (or --connection-setting) and --hub",
        )
    name = (
        (
            durable.connection_name
            if scheduler
            else durable.require_instances_connection(f"slot {slot!r}")
        )
        if durable
        else declared.get("connectionSetting")
    )
    if not name:
        what = "scheduler connection string" if scheduler else "storage connection"
        raise ConfigurationError(
            f"cannot tell which {what} slot {slot!r} uses",
            fix="pass --connection-setting, --account-url or --connection-string",
        )
    try:
        connection = (
            _live_scheduler(live, name, drain.allow_endpoint or ())
            if scheduler
            else StorageConnection.from_setting(
                name, live, allowed_endpoints=drain.allow_endpoint or ()
            )
        )
    except ConfigurationError as exc:
        raise ConfigurationError(
            f"slot {slot!r}: {exc.message.replace('in this environment', 'in its app settings')}",
            fix=exc.fix
            if exc.fix == NOT_AZURE_FIX
            else "pass --connection-setting, --account-url or --connection-string",
        ) from None
    return SlotHub(
        HubAddress(hub_on(connection, hub, prefix), connection),
        f"live app settings of {slot!r} ({name})",
    )


def _live_scheduler(
    live: Mapping[str, str], name: str, allowed_endpoints: Collection[str]
) -> SchedulerConnection:
    """The scheduler the app's connection setting `name` names, for the pipeline to read."""
    found = connection_section(live, name)
    value = found.connection_string if found is not None else None
    if not isinstance(value, str) or not value.strip():
        raise ConfigurationError(
            f"app setting {name!r} holds no scheduler connection string in its app settings "
            "(absent, empty, or a reference not readable here)",
            fix="pass --connection-string with the scheduler's endpoint",
        )
    return parse_scheduler_connection_string(
        value.strip(), source=f"setting {found.name if found else name}"
    ).for_pipeline(allowed_endpoints)
