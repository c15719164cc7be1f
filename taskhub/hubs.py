"""Task hubs: valid names, which tables hold their state, and how instance ids become keys.

With a tracking store (`trackingStoreConnectionName` + `trackingStoreNamePrefix`) several
hubs share one Instances table, so a reader must also filter rows by `TaskHubName`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from taskhub.errors import ConfigurationError
from taskhub.scheduler_settings import resource_name_problem

DEFAULT_TRACKING_PREFIX = "DurableTask"
ENTITY_KEY_PREFIX = "@"

_HUB_NAME = re.compile(r"[A-Za-z][A-Za-z0-9]{2,44}")
_ESCAPE = "^"
_NAMED_ESCAPES = {"^": "^", "/": "0", "\\": "1", "#": "2", "?": "3"}
_NAMED_UNESCAPES = {code: char for char, code in _NAMED_ESCAPES.items()}
_CONTROL_OFFSET = 0xC0


def hub_name_problem(name: str) -> str | None:
    """Why `name` cannot be a task hub name, or None when it can.

    The runtime's rule: letters and digits only, starting with a letter, 3 to 45 long.
    """
    if _HUB_NAME.fullmatch(name):
        return None
    if not name:
        return "a task hub name cannot be empty"
    if not name[0].isascii() or not name[0].isalpha():
        return f"task hub name {name!r} must start with a letter"
    if not name.isascii() or not name.isalnum():
        return f"task hub name {name!r} may hold only the letters A-Z, a-z and digits 0-9"
    return f"task hub name {name!r} is {len(name)} characters long; it must be 3 to 45"


def is_entity_key(partition_key: str) -> bool:
    """Durable entity instance ids look like `@name@key`; they share the Instances table."""
    return partition_key.startswith(ENTITY_KEY_PREFIX)


def _is_control(code: int) -> bool:
    return code <= 0x1F or 0x7F <= code <= 0x9F


def escape_instance_id(instance_id: str) -> str:
    """The PartitionKey DurableTask.AzureStorage (KeySanitation) writes for an instance id."""
    out: list[str] = []
    for char in instance_id:
        if char in _NAMED_ESCAPES:
            out.append(_ESCAPE + _NAMED_ESCAPES[char])
        elif _is_control(ord(char)):
            out.append(_ESCAPE + chr(_CONTROL_OFFSET + ord(char)))
        else:
            out.append(char)
    return "".join(out)


def unescape_instance_id(partition_key: str) -> str:
    """The instance id behind a PartitionKey: the inverse of `escape_instance_id`."""
    out: list[str] = []
    chars = iter(partition_key)
    for char in chars:
        if char != _ESCAPE:
            out.append(char)
            continue
        code = next(chars, "")
        if code in _NAMED_UNESCAPES:
            out.append(_NAMED_UNESCAPES[code])
        elif code and ord(code) >= _CONTROL_OFFSET:
            out.append(chr(ord(code) - _CONTROL_OFFSET))
        else:
            out.append(code)
    return "".join(out)


@dataclass(frozen=True)
class TaskHub:
    """A task hub by name, optionally reading its tracking data from a shared store."""

    name: str
    tracking_prefix: str | None = None

    def __post_init__(self) -> None:
        problem = hub_name_problem(self.name)
        if problem:
            raise ConfigurationError(problem, fix="pass the hub name exactly as host.json sets it")
        if self.tracking_prefix is not None and not self.tracking_prefix:
            raise ConfigurationError(
                "the tracking-store prefix is empty",
                fix=f"leave it out, or pass the trackingStoreNamePrefix (default "
                f"{DEFAULT_TRACKING_PREFIX!r})",
            )

    @property
    def shares_tracking_store(self) -> bool:
        return self.tracking_prefix is not None

    @property
    def _table_prefix(self) -> str:
        return self.tracking_prefix if self.tracking_prefix is not None else self.name

    @property
    def instances_table(self) -> str:
        return f"{self._table_prefix}Instances"

    @property
    def table(self) -> str | None:
        """The Instances table a stage's `--json` names as read; None without tables."""
        return self.instances_table

    @property
    def listing(self) -> str:
        """What a stage's text names as read: 'table 'OrdersInstances''."""
        return f"table {self.instances_table!r}"

    @property
    def history_table(self) -> str:
        return f"{self._table_prefix}History"


@dataclass(frozen=True)
class SchedulerHub(TaskHub):
    """A task hub on the Durable Task Scheduler: an ARM resource with its own naming rule
    (taskhub/scheduler_settings.py), and no tables. `instances_table`, which the stages name
    in what they report as read, names the hub itself."""

    def __post_init__(self) -> None:
        if problem := resource_name_problem("task hub", self.name):
            raise ConfigurationError(
                problem, fix="pass the hub name exactly as the scheduler's task hub names it"
            )
        if self.tracking_prefix is not None:
            raise ConfigurationError(
                "--tracking-prefix names a shared tracking store of Azure Storage; a Durable "
                "Task Scheduler task hub has none",
                fix="leave --tracking-prefix out for a scheduler connection",
            )

    @property
    def instances_table(self) -> str:
        return self.name

    @property
    def table(self) -> str | None:
        return None

    @property
    def listing(self) -> str:
        return f"task hub {self.name!r}"

    @property
    def history_table(self) -> str:
        return self.name
