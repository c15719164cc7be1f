"""Orchestrations a real `durabletask.worker.TaskHubGrpcWorker` runs on the stand-in.

Their histories are what the scheduler backend is tested and rehearsed on: every event is
written by Microsoft's worker and in-memory backend, none by hand. Each orchestrator ends
waiting for the external event "approve", so an instance stays Running (in flight) until a
test raises it; it says so in its custom status (`WAITING`).
`standins.scheduler.functions_programs` holds the azure-functions-durable code that does the
same, call for call.

Every input is a JSON object: the replay check's context body (scripts/stages/replay/judge.py
`context_body`) hands the SDK the decoded input, which `DurableOrchestrationContext`
re-encodes only for a dict, so a scalar input fails `get_input` on either backend.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Generator
from datetime import timedelta
from typing import Any

from durabletask import entities, task

Flow = Generator[task.Task[Any], Any, Any]
TIMER = timedelta(milliseconds=200)
RETRY = task.RetryPolicy(first_retry_interval=timedelta(milliseconds=100), max_number_of_attempts=3)
APPROVE = "approve"
WAITING = "awaiting approval"
"""The custom status each orchestrator sets as it starts waiting (neither SDK numbers it)."""
_attempts: Counter[str] = Counter()
_attempts_lock = threading.Lock()


def validate(ctx: task.ActivityContext, order: Any) -> Any:
    return order


def quote_a(ctx: task.ActivityContext, order: Any) -> int:
    return 10


def quote_b(ctx: task.ActivityContext, order: Any) -> int:
    return 12


def ship(ctx: task.ActivityContext, what: Any) -> str:
    return "shipped"


def child_work(ctx: task.ActivityContext, what: Any) -> str:
    return "child done"


def tick(ctx: task.ActivityContext, n: int) -> int:
    return n


def refund(ctx: task.ActivityContext, order: Any) -> str:
    return "refunded"


def explode(ctx: task.ActivityContext, order: Any) -> None:
    raise RuntimeError("the activity failed on purpose")


def charge(ctx: task.ActivityContext, order: dict[str, Any]) -> str:
    """Fails the first attempt for each order, then succeeds."""
    key = str(order.get("order"))
    with _attempts_lock:
        _attempts[key] += 1
        first = _attempts[key] == 1
    if first:
        raise RuntimeError("card declined (first attempt)")
    return "charged"


def approved(ctx: Any) -> Generator[Any, Any, Any]:
    """Says it waits, then waits for the approval: the same two calls in either SDK's context,
    so both programs end their orchestrators alike."""
    ctx.set_custom_status(WAITING)
    return (yield ctx.wait_for_external_event(APPROVE))


def child(ctx: task.OrchestrationContext, value: Any) -> Flow:
    return (yield ctx.call_activity(child_work, input=value))


def flow(ctx: task.OrchestrationContext, order: Any) -> Flow:
    """Activities, a timer, a fan-out, a sub-orchestration, then an external event."""
    checked = yield ctx.call_activity(validate, input=order)
    yield ctx.create_timer(TIMER)
    quotes = yield task.when_all(
        [ctx.call_activity(quote_a, input=checked), ctx.call_activity(quote_b, input=checked)]
    )
    made = yield ctx.call_sub_orchestrator(
        child, input=checked, instance_id=f"{ctx.instance_id}-child"
    )
    approval = yield from approved(ctx)
    return (yield ctx.call_activity(ship, input=[quotes, made, approval]))


def retrying(ctx: task.OrchestrationContext, order: dict[str, Any]) -> Flow:
    """A retried activity whose second attempt succeeds."""
    charged = yield ctx.call_activity(charge, input=order, retry_policy=RETRY)
    yield from approved(ctx)
    return (yield ctx.call_activity(ship, input=charged))


def exhausted(ctx: task.OrchestrationContext, order: dict[str, Any]) -> Flow:
    """A retried activity that fails every attempt; the orchestrator refunds instead."""
    try:
        yield ctx.call_activity(explode, input=order, retry_policy=RETRY)
    except task.TaskFailedError:
        yield ctx.call_activity(refund, input=order)
    yield from approved(ctx)


def caught(ctx: task.OrchestrationContext, order: dict[str, Any]) -> Flow:
    """A failed activity, caught."""
    try:
        yield ctx.call_activity(explode, input=order)
    except task.TaskFailedError:
        yield ctx.call_activity(refund, input=order)
    yield from approved(ctx)


def doomed(ctx: task.OrchestrationContext, order: dict[str, Any]) -> Flow:
    """A failed activity, not caught: the instance fails."""
    yield ctx.call_activity(explode, input=order)


def eternal(ctx: task.OrchestrationContext, state: dict[str, int]) -> Flow:
    """Continues as new twice, then waits in its third generation."""
    n = state["n"]
    yield ctx.call_activity(tick, input=n)
    if n < 2:
        ctx.continue_as_new({"n": n + 1})
        return None
    yield from approved(ctx)
    return n


def waiting(ctx: task.OrchestrationContext, order: Any) -> Flow:
    """One activity, then the event: for suspend, resume and terminate."""
    yield ctx.call_activity(validate, input=order)
    yield from approved(ctx)
    return (yield ctx.call_activity(ship, input=order))


def counter(ctx: entities.EntityContext, amount: Any) -> int:
    value = ctx.get_state(int, 0) + int(amount or 0)
    ctx.set_state(value)
    return value


def tally(ctx: task.OrchestrationContext, order: dict[str, Any]) -> Flow:
    """Calls an entity: its history holds an EntityOperationCalled event."""
    yield ctx.call_entity(entities.EntityInstanceId("counter", "k"), "add", input=1)
    yield from approved(ctx)


ORCHESTRATORS = (child, flow, retrying, exhausted, caught, doomed, eternal, waiting, tally)
ENTITIES = (counter,)
ACTIVITIES = (validate, quote_a, quote_b, ship, child_work, tick, refund, explode, charge)
UNREGISTERED = "not_registered_here"
"""An orchestrator no worker registers: with work-item filters its instances stay Pending."""
