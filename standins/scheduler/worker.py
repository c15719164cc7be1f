"""A real durabletask worker and client on one hub of the stand-in.

Both connect to the stand-in's plain port with the metadata the real scheduler wants
(`taskhub`, and a bearer token when the stand-in checks them), as
durabletask-azuremanaged's interceptor sends it. The worker registers
`standins.scheduler.programs` and uses work-item filters, so instances of any other
orchestrator stay Pending.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from durabletask import task
from durabletask.client import OrchestrationState, TaskHubGrpcClient
from durabletask.worker import TaskHubGrpcWorker

from standins.scheduler.programs import ACTIVITIES, ENTITIES, ORCHESTRATORS

LOGGER = logging.getLogger("standins.scheduler")
"""durabletask's worker and client log every step at INFO to a handler of their own unless
given a logger; this one propagates (pytest captures it) and shows errors only."""
LOGGER.setLevel(logging.ERROR)


def _metadata(hub: str, token: str | None) -> list[tuple[str, str]]:
    metadata = [("taskhub", hub)]
    if token:
        metadata.append(("authorization", f"Bearer {token}"))
    return metadata


@contextmanager
def running_worker(
    address: str,
    hub: str,
    token: str | None = None,
    orchestrators: Sequence[task.Orchestrator[Any, Any]] = ORCHESTRATORS,
) -> Iterator[TaskHubGrpcWorker]:
    """A worker of `orchestrators` (the programs' own unless told otherwise) and every
    activity and entity of the programs."""
    worker = TaskHubGrpcWorker(host_address=address, metadata=_metadata(hub, token), logger=LOGGER)
    for orchestrator in orchestrators:
        worker.add_orchestrator(orchestrator)
    for activity in ACTIVITIES:
        worker.add_activity(activity)
    for entity in ENTITIES:
        worker.add_entity(entity)
    worker.use_work_item_filters()
    worker.start()  # type: ignore[no-untyped-call]
    try:
        yield worker
    finally:
        worker.stop()  # type: ignore[no-untyped-call]


def hub_client(address: str, hub: str, token: str | None = None) -> TaskHubGrpcClient:
    return TaskHubGrpcClient(host_address=address, metadata=_metadata(hub, token), logger=LOGGER)


def wait_until(
    client: TaskHubGrpcClient,
    instance_id: str,
    done: Callable[[OrchestrationState], bool],
    timeout: float = 30.0,
) -> OrchestrationState:
    """Polls the instance until `done` says so (e.g. it waits for its event)."""
    deadline = time.monotonic() + timeout
    while True:
        state = client.get_orchestration_state(instance_id, fetch_payloads=False)
        if state is not None and done(state):
            return state
        if time.monotonic() > deadline:
            raise TimeoutError(f"instance {instance_id!r} did not get there: {state}")
        time.sleep(0.05)
