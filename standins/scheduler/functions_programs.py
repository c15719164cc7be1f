"""The azure-functions-durable orchestrators equivalent to `standins.scheduler.programs`.

Call for call the same work as the durabletask orchestrator of the same name, written with
the Functions SDK's context, as a Functions app on the scheduler would run it; the replay
check judges the worker's histories with these. The `renamed_*`, `reordered_*` and
`untimed_*` functions are the edits a user might make to `flow`, each of which DurableTask
rejects at a step it names: the first activity renamed (step 0), the two quotes swapped
(step 2), the timer removed (step 1).
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import azure.durable_functions as df

from standins.scheduler.programs import TIMER, approved

Flow = Generator[Any, Any, Any]
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=100, max_number_of_attempts=3)


def _flow(
    context: Any,
    first: str = "validate",
    quotes: tuple[str, str] = ("quote_a", "quote_b"),
    timer: bool = True,
) -> Flow:
    checked = yield context.call_activity(first, context.get_input())
    if timer:
        yield context.create_timer(context.current_utc_datetime + TIMER)
    found = yield context.task_all([context.call_activity(name, checked) for name in quotes])
    made = yield context.call_sub_orchestrator("child", checked, f"{context.instance_id}-child")
    approval = yield from approved(context)
    return (yield context.call_activity("ship", [found, made, approval]))


def flow(context: Any) -> Flow:
    return (yield from _flow(context))


def renamed_flow(context: Any) -> Flow:
    return (yield from _flow(context, first="check_order"))


def reordered_flow(context: Any) -> Flow:
    return (yield from _flow(context, quotes=("quote_b", "quote_a")))


def untimed_flow(context: Any) -> Flow:
    return (yield from _flow(context, timer=False))


def child(context: Any) -> Flow:
    return (yield context.call_activity("child_work", context.get_input()))


def retrying(context: Any) -> Flow:
    charged = yield context.call_activity_with_retry("charge", RETRY, context.get_input())
    yield from approved(context)
    return (yield context.call_activity("ship", charged))


def _refunding(context: Any, retry: bool) -> Flow:
    order = context.get_input()
    try:
        if retry:
            yield context.call_activity_with_retry("explode", RETRY, order)
        else:
            yield context.call_activity("explode", order)
    except Exception:
        yield context.call_activity("refund", order)
    yield from approved(context)


def exhausted(context: Any) -> Flow:
    return (yield from _refunding(context, retry=True))


def caught(context: Any) -> Flow:
    return (yield from _refunding(context, retry=False))


def doomed(context: Any) -> Flow:
    yield context.call_activity("explode", context.get_input())


def eternal(context: Any) -> Flow:
    n = context.get_input()["n"]
    yield context.call_activity("tick", n)
    if n < 2:
        context.continue_as_new({"n": n + 1})
        return None
    yield from approved(context)
    return n


def waiting(context: Any) -> Flow:
    order = context.get_input()
    yield context.call_activity("validate", order)
    yield from approved(context)
    return (yield context.call_activity("ship", order))
