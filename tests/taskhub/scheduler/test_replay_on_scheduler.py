"""Histories a real durabletask worker wrote, replayed through the project's replay check.

The worker (standins/scheduler/programs.py) runs on Microsoft's in-memory backend; the
source converts its protobuf events; `scripts.stages.replay.replay` and
`scripts.stages.replay.hub.first_failing_prefix` judge them against the equivalent
azure-functions-durable code (standins/scheduler/functions_programs.py). Unchanged code must
replay every history; each breaking edit must be nondeterministic at the step DurableTask
names (Core numbers from 0: validate 0, the timer 1, quote_a 2, quote_b 3, the child 4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from durabletask.client import OrchestrationStatus

from scripts.stages.replay.hub import first_failing_prefix
from scripts.stages.replay.judge import Outcome, replay
from scripts.stages.replay.numbering import Orchestration, Step
from standins.scheduler import functions_programs as functions
from standins.scheduler import programs
from standins.scheduler.scenarios import Scenario, has_status, start_waiting
from standins.scheduler.server import SchedulerStandIn
from standins.scheduler.worker import hub_client, running_worker, wait_until
from taskhub.errors import HubNotFoundError
from taskhub.history import UnreadableHistory
from taskhub.scheduler.grpc_errors import Retry
from taskhub.scheduler.source import SchedulerInstanceSource, open_scheduler_source

HUB = "orders"
SUSPENDED, RUNNING = OrchestrationStatus.SUSPENDED, OrchestrationStatus.RUNNING
Function = Callable[[Any], Any]


@pytest.fixture(scope="module")
def hub() -> Iterator[SchedulerInstanceSource]:
    """One hub, written once by a real worker: in-flight instances of every program, one
    suspended and resumed, and finished ones (completed, failed, terminated)."""
    stand_in = SchedulerStandIn([HUB])
    address = stand_in.start()
    s = Scenario()
    with running_worker(address.plain, HUB):
        client = hub_client(address.plain, HUB)
        start_waiting(client, s, programs.flow, "flow-1", {"order": "o-1"})
        start_waiting(client, s, programs.retrying, "retry-1", {"order": "o-2"})
        start_waiting(client, s, programs.exhausted, "exhausted-1", {"order": "o-3"})
        start_waiting(client, s, programs.caught, "caught-1", {"order": "o-4"})
        start_waiting(client, s, programs.eternal, "eternal-1", {"n": 0})
        start_waiting(client, s, programs.tally, "tally-1", {"order": "o-5"})
        start_waiting(client, s, programs.waiting, "resumed-1", {"order": "o-6"})
        client.suspend_orchestration("resumed-1")
        wait_until(
            client, "resumed-1", lambda st: st.runtime_status == OrchestrationStatus.SUSPENDED
        )
        client.resume_orchestration("resumed-1")
        wait_until(client, "resumed-1", lambda st: st.runtime_status == OrchestrationStatus.RUNNING)
        start_waiting(client, s, programs.flow, "flow-done", {"order": "o-7"})
        client.raise_orchestration_event("flow-done", programs.APPROVE, data={"ok": True})
        start_waiting(client, s, programs.waiting, "terminated-1", {"order": "o-8"})
        client.terminate_orchestration("terminated-1")
        client.schedule_new_orchestration(programs.doomed, input={"o": 9}, instance_id="failed-1")
        for instance, status in (
            ("flow-done", OrchestrationStatus.COMPLETED),
            ("terminated-1", OrchestrationStatus.TERMINATED),
            ("failed-1", OrchestrationStatus.FAILED),
        ):
            wait_until(client, instance, has_status(status))
    with open_scheduler_source(
        f"Endpoint=http://{address.plain};Authentication=None;TaskHub={HUB}", retry=Retry(2, 0.01)
    ) as source:
        yield source
    stand_in.stop()


IN_FLIGHT = [
    ("flow-1", functions.flow),
    ("retry-1", functions.retrying),
    ("caught-1", functions.caught),
    ("eternal-1", functions.eternal),
    ("resumed-1", functions.waiting),
]


@pytest.mark.parametrize(("instance", "function"), IN_FLIGHT, ids=[i for i, _ in IN_FLIGHT])
def test_unchanged_code_replays_the_workers_history(
    hub: SchedulerInstanceSource, instance: str, function: Function
) -> None:
    history = hub.history(instance)
    result = replay(Orchestration(function), history)
    assert result.outcome == Outcome.OK, result.json()
    assert result.replayed_events > 0


def test_the_history_of_a_continued_instance_is_its_latest_generation(
    hub: SchedulerInstanceSource,
) -> None:
    started = hub.history("eternal-1").started()
    assert started is not None and started["Input"] == '{"n": 2}'


def test_suspend_and_resume_are_in_the_history(hub: SchedulerInstanceSource) -> None:
    kinds = [e["EventType"] for e in hub.history("resumed-1").events]
    assert 19 in kinds and 20 in kinds  # ExecutionSuspended, ExecutionResumed (Core's numbers)


EDITS = [
    (
        functions.renamed_flow,
        0,
        Step("TaskScheduled", "validate"),
        Step("TaskScheduled", "check_order"),
    ),
    (
        functions.reordered_flow,
        2,
        Step("TaskScheduled", "quote_a"),
        Step("TaskScheduled", "quote_b"),
    ),
    (functions.untimed_flow, 1, Step("TimerCreated", None), Step("TaskScheduled", "quote_a")),
]


@pytest.mark.parametrize(
    ("function", "step", "recorded", "emitted"), EDITS, ids=["renamed", "reordered", "untimed"]
)
def test_a_breaking_edit_is_nondeterministic_at_the_step_durabletask_names(
    hub: SchedulerInstanceSource, function: Function, step: int, recorded: Step, emitted: Step
) -> None:
    result = replay(Orchestration(function), hub.history("flow-1"))
    assert result.outcome == Outcome.NONDETERMINISTIC
    assert (result.position, result.history, result.code) == (step, recorded, emitted)


@pytest.mark.parametrize(
    ("instance", "function"),
    [("flow-done", functions.flow), ("terminated-1", functions.waiting)],
)
def test_every_prefix_of_a_finished_history_replays_unchanged(
    hub: SchedulerInstanceSource, instance: str, function: Function
) -> None:
    history = hub.history(instance)
    assert history.prefixes()
    assert first_failing_prefix(Orchestration(function), history) is None


def test_a_failed_activity_reaches_the_code_as_a_failure(hub: SchedulerInstanceSource) -> None:
    """The worker's TaskFailed replays as a failed task: the code that does not catch it
    raises there, after the prefix that scheduled the activity replayed cleanly."""
    history = hub.history("failed-1")
    first, *_ = history.prefixes()
    assert replay(Orchestration(functions.doomed), first).outcome == Outcome.OK
    result = replay(Orchestration(functions.doomed), history)
    assert result.outcome == Outcome.ERROR
    assert result.error[-1].endswith("in doomed")


def test_a_rename_shows_in_a_completed_histories_prefixes(hub: SchedulerInstanceSource) -> None:
    failing = first_failing_prefix(Orchestration(functions.renamed_flow), hub.history("flow-done"))
    assert failing is not None and failing.position == 0


def test_an_exhausted_retry_differs_where_the_two_sdks_differ(
    hub: SchedulerInstanceSource,
) -> None:
    """Core (and so the Functions SDK) records a "dummy" timer after a retry's last failed
    attempt (RetryInterceptor.Invoke); the Python durabletask worker never schedules one. The
    check must show that difference, not hide it: step 5 is the worker's refund and the
    Functions code's timer (attempts 0, 2, 4, retry timers 1, 3)."""
    result = replay(Orchestration(functions.exhausted), hub.history("exhausted-1"))
    assert result.outcome == Outcome.NONDETERMINISTIC
    assert (result.position, result.history, result.code) == (
        5,
        Step("TaskScheduled", "refund"),
        Step("TimerCreated", None),
    )


def test_an_entity_call_makes_the_history_unreadable(hub: SchedulerInstanceSource) -> None:
    with pytest.raises(UnreadableHistory, match="entityOperationCalled"):
        hub.history("tally-1")


def test_an_unknown_instance_has_an_empty_history(hub: SchedulerInstanceSource) -> None:
    history = hub.history("never-started")
    assert history.events == []


def test_an_unknown_instance_on_an_unknown_hub_is_hub_not_found() -> None:
    stand_in = SchedulerStandIn([HUB])
    address = stand_in.start()
    try:
        string = f"Endpoint=http://{address.plain};Authentication=None;TaskHub=ordres"
        with open_scheduler_source(string) as source, pytest.raises(HubNotFoundError):
            source.history("flow-1")
    finally:
        stand_in.stop()
