"""Prefix mode's one run per history gives exactly what one replay per prefix gives.

The oracle is the prefix-by-prefix replay (`judge.replay` over each `History.prefixes()`,
stopping where it raises), over the hand-written histories of
tests/support/durabletask_rows.py and the edits of tests/support/replay_programs.py, with
histories perturbed the way the single run must notice: IsPlayed cleared on events (the
SDK then counts a prefix's last episode as new), events dropped or moved, and code that reads
`is_replaying` or the history list.
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.stages.replay.judge import Replay, prefix_replays, replay
from scripts.stages.replay.numbering import Orchestration
from taskhub.history import History, UnreadableHistory, to_worker_event
from tests.support import replay_programs as programs
from tests.support.durabletask_rows import Instance, unchanged_cases

Outcome = list[Replay | tuple[str, str]]


def _histories() -> list[History]:
    chosen: list[Instance] = [c for c in unchanged_cases() if c.episodes]
    return [
        History(c.instance_id, c.execution, [to_worker_event(r, None) for r in c.history_rows()])
        for c in chosen
    ]


HISTORIES = _histories()


def _noisy(context: Any) -> Generator[Any, Any, Any]:
    """Schedules one more activity when the SDK says it is not replaying."""
    if not context.is_replaying:
        yield context.call_activity("Live", None)
    return (yield from programs.unchanged(context))


def _counting(context: Any) -> Generator[Any, Any, Any]:
    """Branches on how long the history list is, as no orchestrator should."""
    if len(context.histories) % 2:
        yield context.call_activity("Odd", None)
    return (yield from programs.unchanged(context))


FUNCTIONS: list[Callable[[Any], Any]] = [
    programs.unchanged,
    programs.renamed,
    programs.reordered_task_any,
    programs.inserted,
    programs.timer_removed,
    programs.timer_replaced_by_activity,
    programs.entity_call_replaced,
    programs.entity_call_removed,
    programs.refund_renamed,
    _noisy,
    _counting,
]


def _collected(results: Iterator[Replay]) -> Outcome:
    collected: Outcome = []
    while True:
        try:
            collected.append(next(results))
        except StopIteration:
            return collected
        except UnreadableHistory as exc:
            return [*collected, ("unreadable", str(exc))]


def _each_prefix(orchestration: Orchestration, history: History) -> Iterator[Replay]:
    for prefix in history.prefixes():
        yield replay(orchestration, prefix)


@st.composite
def perturbed(draw: st.DrawFn) -> History:
    history = draw(st.sampled_from(HISTORIES))
    events = [dict(e) for e in history.events]
    for event in events:
        if draw(st.integers(0, 9)) == 0:
            event["IsPlayed"] = False
    if draw(st.booleans()):
        dropped = draw(st.sets(st.integers(0, len(events) - 1), max_size=2))
        events = [e for i, e in enumerate(events) if i not in dropped]
    if draw(st.booleans()):  # one event moved, as ExecutionStarted into a later episode
        moved = events.pop(draw(st.integers(0, len(events) - 1)))
        events.insert(draw(st.integers(0, len(events))), moved)
    return History(history.instance_id, history.execution_id, events)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=perturbed(), function=st.sampled_from(FUNCTIONS))
def test_one_run_per_history_says_what_one_run_per_prefix_says(
    history: History, function: Callable[[Any], Any]
) -> None:
    orchestration = Orchestration(function)
    expected = _collected(_each_prefix(orchestration, history))
    assert _collected(prefix_replays(orchestration, history)) == expected


def test_the_hand_written_histories_are_judged_the_same_unperturbed() -> None:
    for history in HISTORIES:
        for function in FUNCTIONS:
            orchestration = Orchestration(function)
            expected = _collected(_each_prefix(orchestration, history))
            assert _collected(prefix_replays(orchestration, history)) == expected
