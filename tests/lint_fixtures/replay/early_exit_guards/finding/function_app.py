"""Early exits that do not leave when replaying: the lines after them log on replays too."""

import logging

import azure.durable_functions as df

app = df.DFApp()


def note_backwards(context, text):
    if not context.is_replaying:
        return
    logging.info("%s: %s", context.instance_id, text)  # expect: DDZ011


def note_without_leaving(context, text):
    if context.is_replaying:
        text = text.lower()
    logging.info("%s: %s", context.instance_id, text)  # expect: DDZ011


@app.orchestration_trigger(context_name="context")
def ship(context):
    note_backwards(context, "reserving")
    note_without_leaving(context, "reserving")
    for item in context.get_input():
        yield context.call_activity("Reserve", item)
        if context.is_replaying:
            continue
        logging.info("reserved %s", item)
    logging.info("all reserved")  # expect: DDZ011
    yield context.call_activity("Charge", None)


@app.activity_trigger(input_name="item")
def Reserve(item):
    return item


@app.activity_trigger(input_name="item")
def Charge(item):
    return item
