import threading
from concurrent.futures import ThreadPoolExecutor

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
async def orchestrator(context):  # expect: DDZ004
    worker = threading.Thread(target=print)  # expect: DDZ004
    with ThreadPoolExecutor() as pool:  # expect: DDZ004
        pool.submit(print)
    result = await context.call_activity("Work", None)  # expect: DDZ004
    return [worker, result]


@app.activity_trigger(input_name="value")
def Work(value):
    return value
