import time
from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    started = context.current_utc_datetime
    printed = time.localtime(0)
    yield context.create_timer(started + timedelta(minutes=5))
    yield context.call_activity("Work", [str(started), printed])


@app.activity_trigger(input_name="value")
def Work(value):
    return time.time()
