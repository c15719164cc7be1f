import azure.durable_functions as df
from shared import CACHE

app = df.DFApp()
SEEN = []
TOTALS = {}
COUNT = 0


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    global COUNT  # expect: DDZ010
    COUNT += 1
    SEEN.append(context.instance_id)  # expect: DDZ010
    TOTALS["orders"] = COUNT  # expect: DDZ010
    CACHE[context.instance_id] = True  # expect: DDZ010
    yield context.call_activity("Work", COUNT)


@app.activity_trigger(input_name="value")
def Work(value):
    SEEN.append(value)
