import itertools
from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    while True:  # expect: DDZ009
        yield context.call_activity("Poll", None)
        yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
    for round_ in itertools.count():  # expect: DDZ009
        yield context.call_activity("Poll", round_)


@app.activity_trigger(input_name="value")
def Poll(value):
    return value
