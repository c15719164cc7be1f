import os

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    settings = context.get_input() or {}
    region = settings.get("region") or (yield context.call_activity("ReadRegion", None))
    yield context.call_activity("Work", [region, os.path.join("a", "b")])


@app.activity_trigger(input_name="value")
def ReadRegion(value):
    return os.environ["REGION"]


@app.activity_trigger(input_name="value")
def Work(value):
    return value
