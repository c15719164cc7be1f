import os
import time
import uuid

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    time.sleep(1)  # noqa: DDZ003
    time.sleep(2)  # noqa: DDZ0
    time.sleep(3)  # noqa
    region = os.getenv("REGION")  # noqa: DDZ003  expect: DDZ006
    token = uuid.uuid4()  # noqa: E501,DDZ002
    yield context.call_activity("Work", [region, str(token)])


@app.activity_trigger(input_name="value")
def Work(value):
    return value
