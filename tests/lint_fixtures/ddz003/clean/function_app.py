from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    yield context.create_timer(context.current_utc_datetime + timedelta(seconds=5))
    yield context.call_activity("Work", None)


@app.activity_trigger(input_name="value")
def Work(value):
    return value
