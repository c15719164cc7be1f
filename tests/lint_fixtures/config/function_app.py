import logging
import time

import azure.durable_functions as df

from legacy.timing import elapsed

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    logging.info("ignored by config")
    started = time.time()  # expect: DDZ001
    yield context.call_activity("Work", [started, elapsed()])


@app.activity_trigger(input_name="value")
def Work(value):
    return value
