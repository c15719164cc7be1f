"""Replay-safe logging written as an early exit: what follows runs only when not replaying."""

import logging

import azure.durable_functions as df

app = df.DFApp()
log = logging.getLogger(__name__)


def log_once(context, text):
    if context.is_replaying:
        return
    log.info("%s: %s", context.instance_id, text)


def log_unless_quiet(context, text, quiet):
    if context.is_replaying or quiet:
        return
    logging.info("%s: %s", context.instance_id, text)


def log_live(context, text):
    if not context.is_replaying:
        prefix = context.instance_id
    else:
        return
    print(prefix, text)


@app.orchestration_trigger(context_name="context")
def ship(context):
    log_once(context, "reserving")
    for item in context.get_input():
        yield context.call_activity("Reserve", item)
        if context.is_replaying:
            continue
        logging.info("reserved %s", item)
    log_unless_quiet(context, "charging", False)
    log_live(context, "charging")
    yield context.call_activity("Charge", None)


@app.activity_trigger(input_name="item")
def Reserve(item):
    return item


@app.activity_trigger(input_name="item")
def Charge(item):
    return item
