import os
from os import environ

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    region = os.environ["REGION"]  # expect: DDZ006
    flag = os.getenv("FEATURE_X")  # expect: DDZ006
    tier = environ.get("TIER", "basic")  # expect: DDZ006
    yield context.call_activity("Work", [region, flag, tier])


@app.activity_trigger(input_name="value")
def Work(value):
    return os.environ.get("REGION")
