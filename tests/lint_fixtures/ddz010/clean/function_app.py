import azure.durable_functions as df

app = df.DFApp()
LIMITS = {"orders": 10}


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    seen = []
    seen.append(context.instance_id)
    totals = dict(LIMITS)
    totals["orders"] = len(seen)
    yield context.call_activity("Work", [totals, LIMITS["orders"]])


@app.activity_trigger(input_name="value")
def Work(value):
    LIMITS["orders"] = value
