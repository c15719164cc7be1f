"""Handlers that cannot go on: they end in `raise` or `return`, or fall through to read the
name the failed `yield` never bound (UnboundLocalError ends the orchestration), also in a
generator helper the orchestrator returns for the SDK to drive."""

import logging

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def summarise(context):
    try:
        text = yield context.call_activity("Extract", context.get_input())
    except Exception as error:
        logging.error("extract failed")
        logging.error(error)
    summary = yield context.call_activity("Condense", text)
    return summary


def pipeline(context, doc):
    try:
        text = yield context.call_activity("Extract", doc)
    except Exception:
        logging.error("extract failed")
    combined = text + "\n" + doc
    return (yield context.call_activity("Condense", combined))


@app.orchestration_trigger(context_name="context")
def delegated(context):
    steps = pipeline(context, context.get_input())
    return steps


@app.orchestration_trigger(context_name="context")
def ends_in_raise_or_return(context):
    try:
        text = yield context.call_activity("Extract", context.get_input())
    except ValueError:
        logging.error("unreadable")
        return None
    except Exception:
        logging.error("extract failed")
        raise
    return (yield context.call_activity("Condense", text))


@app.activity_trigger(input_name="doc")
def Extract(doc):
    raise ValueError("unreadable")


@app.activity_trigger(input_name="text")
def Condense(text):
    return text[:10]
