"""Loops nothing but durable results can end: the history grows for as long as the polled
thing says "not yet" (or forever)."""

import itertools
from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def until_ready(context):
    while True:  # expect: DDZ009
        state = yield context.call_activity("Check", context.get_input())
        if state == "ready":
            return state
        yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))


@app.orchestration_trigger(context_name="context")
def until_done_by_continue(context):
    for attempt in itertools.count():  # expect: DDZ009
        state = yield context.call_activity("Check", attempt)
        if state != "done":
            continue
        break


@app.orchestration_trigger(context_name="context")
def until_it_fails(context):
    while True:  # expect: DDZ009
        try:
            yield context.call_activity("Check", None)
        except Exception:
            break


@app.orchestration_trigger(context_name="context")
def no_way_out(context):
    rounds = 0
    while True:  # expect: DDZ009
        yield context.call_activity("Check", rounds)
        rounds += 1
        for _ in range(3):
            if rounds > 10:
                break


@app.activity_trigger(input_name="job")
def Check(job):
    return "pending"
