import datetime
import time
from datetime import date, datetime as dt

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    started = datetime.datetime.now()  # expect: DDZ001
    today = date.today()  # expect: DDZ001
    stamp = dt.utcnow()  # expect: DDZ001
    clock = time.time()  # expect: DDZ001
    local = time.localtime()  # expect: DDZ001
    yield context.call_activity("Work", [str(started), str(today), stamp, clock, local])


@app.activity_trigger(input_name="value")
def Work(value):
    return datetime.datetime.now().isoformat()
