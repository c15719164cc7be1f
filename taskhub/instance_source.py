"""What every stage reads a task hub through, whichever durable backend holds it.

A stage asks questions about instances ("what is unfinished", "what ran since", "what did
this one record"), never about tables or RPCs: the Azure Storage tables answer them in
`taskhub.storage_source`, the Durable Task Scheduler over gRPC in its own module, and
`taskhub.sources.open_source` opens the one a hub's connection calls for. A stage that
imports a backend's client instead of this interface cannot run on the other backend,
which is why the import rules keep the clients out of `scripts.cli`.

Every implementation keeps the same promises, since the verdicts rest on them:
- reads never create anything, and a hub that does not exist raises `HubNotFoundError`
  (an empty answer from a mistyped hub would look exactly like a drained one);
- an instance the source cannot judge is returned as an unreadable record, never dropped;
- a status the source does not know counts as unfinished;
- failures raise a `DurableDeployError` whose cause is the backend's own exception.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from taskhub.history import History
from taskhub.instance_rows import InstanceRecord


class InstanceSource(Protocol):
    """One task hub's instances and histories, read-only."""

    @property
    def description(self) -> str:
        """Where the hub lives, safe to print: 'table XInstances on account y', 'task hub x
        on scheduler https://...'. Used in every message that names what was read."""
        ...

    def unfinished(
        self, *, include_entities: bool = False, detail: bool = True
    ) -> Sequence[InstanceRecord]:
        """Every instance not in a terminal status (or unreadable), oldest first.

        `detail=False` is the drain poll's read: the same instances, with only what decides
        "drained" (id, status, and the hub a shared store names), so name, version and
        times may be missing (and the order is by id where creation times are). The poll
        runs it every few seconds for as long as a drain takes, so it reads the least the
        backend allows; the detail of what is shown is read once, at the end."""
        ...

    def instances(self, *, include_entities: bool = False) -> Sequence[InstanceRecord]:
        """Every instance, finished or not, oldest first."""
        ...

    def completed_since(self, since: datetime) -> Sequence[InstanceRecord]:
        """Orchestrations that completed at or after `since`, oldest first."""
        ...

    def has_any_instance(self) -> bool:
        """Whether the hub ever recorded an instance (a drained but empty hub is suspicious)."""
        ...

    def history(self, instance_id: str, execution_id: str | None = None) -> History:
        """The events of one execution, in the shape the Python SDK replays; raises
        `UnreadableHistory` for one history that cannot be read as the backend wrote it."""
        ...

    def close(self) -> None:
        """Releases connections (`taskhub.sources.open_source` calls it when its block ends)."""
        ...
