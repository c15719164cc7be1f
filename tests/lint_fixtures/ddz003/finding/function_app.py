import asyncio
import time
from time import sleep

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    time.sleep(5)  # expect: DDZ003
    sleep(1)  # expect: DDZ003
    asyncio.sleep(1)  # expect: DDZ003
    yield context.call_activity("Work", None)


@app.activity_trigger(input_name="value")
def Work(value):
    time.sleep(1)
