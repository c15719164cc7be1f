"""`try` statements that never hold a suspended yield: Python closes the generator at a
yield elsewhere, so their `finally:` and handlers run once, after the last yield."""

import logging

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def parse(context):
    raw = yield context.call_activity("Step", "extract")
    try:
        value = int(raw)
    except ValueError:
        logging.warning("not a number: %s", raw)
        value = 0
    finally:
        logging.info("parsed")
    return value


@app.orchestration_trigger(context_name="context")
def parse_anything(context):
    raw = yield context.call_activity("Step", "extract")
    try:
        value = int(raw)
    except:  # noqa: E722
        print("not a number")
        value = 0
    return value


@app.orchestration_trigger(context_name="context")
def guarded_live(context):
    result = yield context.call_activity("Step", "extract")
    try:
        if not context.is_replaying:
            logging.info("extracted %s", result)
    finally:
        logging.info("done")
    return result


@app.activity_trigger(input_name="step")
def Step(step):
    return f"{step}-ok"
