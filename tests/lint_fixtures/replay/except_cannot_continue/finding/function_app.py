"""Handlers from which a later yield is reached: they run again on every replay."""

import logging

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def with_fallback(context):
    try:
        text = yield context.call_activity("Extract", context.get_input())
    except Exception:
        logging.error("extract failed, using the input")  # expect: DDZ011
        text = context.get_input()
    return (yield context.call_activity("Condense", text))


@app.orchestration_trigger(context_name="context")
def bound_before(context):
    text = ""
    try:
        text = yield context.call_activity("Extract", context.get_input())
    except Exception:
        logging.error("extract failed")  # expect: DDZ011
    return (yield context.call_activity("Condense", text))


@app.orchestration_trigger(context_name="context")
def two_steps(context):
    try:
        text = yield context.call_activity("Extract", "readable")
        yield context.call_activity("Audit", text)
    except Exception:
        logging.error("extract or audit failed")  # expect: DDZ011
    return (yield context.call_activity("Condense", text))


@app.orchestration_trigger(context_name="context")
def in_a_loop(context):
    for doc in context.get_input():
        try:
            text = yield context.call_activity("Extract", doc)
        except Exception:
            logging.error("extract failed")  # expect: DDZ011
        yield context.call_activity("Condense", text)


@app.orchestration_trigger(context_name="context")
def yields_before_reading(context):
    try:
        text = yield context.call_activity("Extract", context.get_input())
    except Exception:
        logging.error("extract failed")  # expect: DDZ011
    summary = (yield context.call_activity("Audit", None)) or text
    return summary


@app.activity_trigger(input_name="doc")
def Extract(doc):
    raise ValueError("unreadable")


@app.activity_trigger(input_name="text")
def Condense(text):
    return text[:10]


@app.activity_trigger(input_name="text")
def Audit(text):
    return text
