"""Loops with a way out that a deterministic bound reaches: the orchestration clock, a round
counter, the `itertools.count()` index, or a failure counter; and one that ends its round
unconditionally."""

import itertools
from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()
MAX_ROUNDS = 20


@app.orchestration_trigger(context_name="context")
def until_deadline(context):
    deadline = context.current_utc_datetime + timedelta(minutes=30)
    while True:
        state = yield context.call_activity("Check", context.get_input())
        if state == "ready":
            return state
        if context.current_utc_datetime >= deadline:
            return "gave up"
        yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))


@app.orchestration_trigger(context_name="context")
def at_most_rounds(context):
    rounds = 0
    while True:
        state = yield context.call_activity("Check", rounds)
        if state == "ready":
            break
        rounds = rounds + 1
        if rounds >= MAX_ROUNDS:
            raise TimeoutError("still not ready")


@app.orchestration_trigger(context_name="context")
def counted(context):
    for attempt in itertools.count():
        state = yield context.call_activity("Check", attempt)
        if state == "ready" or attempt >= 10:
            break


@app.orchestration_trigger(context_name="context")
def retried(context):
    failures = 0
    while True:
        try:
            return (yield context.call_activity("Check", failures))
        except Exception:
            failures += 1
            if failures > 3:
                raise


@app.orchestration_trigger(context_name="context")
def polled_with_a_cap(context):
    state, polls = "running", 0
    while state != "done":
        state = yield context.call_activity("Check", polls)
        polls += 1
        if polls == MAX_ROUNDS:
            break


@app.activity_trigger(input_name="job")
def Check(job):
    return "pending"
