"""Orchestrators for the replay cases of tests/cli/test_replay_durabletask.py.

`unchanged` is the code the hand-written histories of tests/support/durabletask_rows.py were
recorded from; it branches on the input's "case" (deterministic: the input is recorded).
Each other function changes one thing of the "flow" case, as a user might edit it.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

Flow = Generator[Any, Any, Any]
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=1000, max_number_of_attempts=3)
CHILD_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=1000, max_number_of_attempts=2)
LEDGER = df.EntityId("ledger", "o-7")
COUNTER = df.EntityId("counter", "k")


def _flow(
    context: Any,
    first: str = "Validate",
    quotes: tuple[str, str] = ("QuoteA", "QuoteB"),
    audit: bool = False,
    wait: str = "timer",
    ledger: str = "entity",
    operation: str = "add",
) -> Flow:
    validated = yield context.call_activity(first, context.get_input())
    if audit:
        yield context.call_activity("Audit", validated)
    if wait == "timer":
        yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
    elif wait == "activity":
        yield context.call_activity("Wait", validated)
    tasks = [context.call_activity(name, validated) for name in quotes]
    yield context.task_any(tasks)
    total = 0
    if ledger == "entity":
        total = yield context.call_entity(LEDGER, operation, 1)
    elif ledger == "activity":
        total = yield context.call_activity("AddToLedger", 1)
    return (yield context.call_activity("Ship", total))


def _retry(context: Any, refund: str = "Refund") -> Flow:
    try:
        charged = yield context.call_activity_with_retry("Charge", RETRY, context.get_input())
    except Exception:
        charged = yield context.call_activity(refund, context.get_input())
    return (yield context.call_activity("Ship", charged))


def _parallel_retry(context: Any) -> Flow:
    both = [context.call_activity_with_retry(n, RETRY, n) for n in ("A", "B")]
    results = yield context.task_all(both)
    return (yield context.call_activity("Ship", results))


def _child_retry(context: Any) -> Flow:
    child = yield context.call_sub_orchestrator_with_retry("Child", CHILD_RETRY, 1, "child-1")
    return (yield context.call_activity("Ship", child))


def _entities(context: Any) -> Flow:
    context.signal_entity(COUNTER, "add", 1)
    value = yield context.call_entity(COUNTER, "get")
    return (yield context.call_activity("Report", value))


def _http(context: Any) -> Flow:
    response = yield context.call_http("GET", "https://example.com/quote")
    return (yield context.call_activity("Ship", response))


def _eternal(context: Any) -> Flow:
    tick = int(context.get_input()["tick"])
    yield context.call_activity("Tick", tick)
    context.continue_as_new({"case": "eternal", "tick": tick + 1})


CASES: dict[str, Callable[[Any], Flow]] = {
    "flow": _flow,
    "retry": _retry,
    "parallel-retry": _parallel_retry,
    "child-retry": _child_retry,
    "entities": _entities,
    "http": _http,
    "eternal": _eternal,
}


def unchanged(context: Any) -> Flow:
    return (yield from CASES[context.get_input()["case"]](context))


def renamed(context: Any) -> Flow:
    return (yield from _flow(context, first="Check"))


def renamed_case_only(context: Any) -> Flow:
    """DurableTask compares names OrdinalIgnoreCase: not a change it sees."""
    return (yield from _flow(context, first="VALIDATE"))


def reordered_task_any(context: Any) -> Flow:
    return (yield from _flow(context, quotes=("QuoteB", "QuoteA")))


def inserted(context: Any) -> Flow:
    return (yield from _flow(context, audit=True))


def timer_removed(context: Any) -> Flow:
    return (yield from _flow(context, wait="none"))


def timer_replaced_by_activity(context: Any) -> Flow:
    return (yield from _flow(context, wait="activity"))


def entity_call_replaced(context: Any) -> Flow:
    return (yield from _flow(context, ledger="activity"))


def entity_call_removed(context: Any) -> Flow:
    return (yield from _flow(context, ledger="none"))


def entity_operation_renamed(context: Any) -> Flow:
    """EventSent is named "op" for every operation: DurableTask does not see this edit."""
    return (yield from _flow(context, operation="increment"))


def refund_renamed(context: Any) -> Flow:
    """Only the path of an exhausted payment changes: no instance is on it right now."""
    if context.get_input()["case"] == "retry":
        return (yield from _retry(context, refund="Reimburse"))
    return (yield from unchanged(context))
