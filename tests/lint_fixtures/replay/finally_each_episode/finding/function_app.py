"""Code that runs when Python closes the suspended generator, at the end of every episode:
a `finally:` of a `try` that yields and a handler of `GeneratorExit`. `is_replaying` is
false then, so a guard does not help, in the orchestrator or in a helper it calls."""

import datetime
import logging
import urllib.request

import azure.durable_functions as df

app = df.DFApp()


def log_once(context, text):
    if context.is_replaying:
        return
    logging.info("%s: %s", context.instance_id, text)  # expect: DDZ011


@app.orchestration_trigger(context_name="context")
def nightly(context):
    try:
        extracted = yield context.call_activity("Step", "extract")
        loaded = yield context.call_activity("Step", "load")
    finally:
        logging.info("pipeline over")  # expect: DDZ011
        if not context.is_replaying:
            logging.info("still every episode")  # expect: DDZ011
        log_once(context, "over")
    return [extracted, loaded]


@app.orchestration_trigger(context_name="context")
def release_after(context):
    try:
        first = yield context.call_activity("Step", "extract")
    finally:
        stamp = datetime.datetime.now().isoformat()  # expect: DDZ001
        urllib.request.urlopen(f"https://locks.example.invalid/release?at={stamp}")  # expect: DDZ005
    return first


@app.orchestration_trigger(context_name="context")
def swallow_close(context):
    try:
        result = yield context.call_activity("Step", "extract")
        result += yield context.call_activity("Step", "load")
    except GeneratorExit:
        print("closed")  # expect: DDZ011
        return None
    return result


@app.activity_trigger(input_name="step")
def Step(step):
    return f"{step}-ok"
