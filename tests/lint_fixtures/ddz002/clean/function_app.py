import random
import secrets
import uuid

import azure.durable_functions as df

app = df.DFApp()
NAMESPACE = uuid.UUID("6ba7b810-9dad-11d1-80b4-00c04fd430c8")


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    order_id = context.new_uuid()
    stable = str(uuid.uuid5(NAMESPACE, "orders"))
    seeded = random.Random(order_id).random()
    code = yield context.wait_for_external_event("Code")
    if secrets.compare_digest(str(code), order_id):
        yield context.call_activity("Work", [order_id, stable, seeded])


@app.activity_trigger(input_name="value")
def Work(value):
    return str(uuid.uuid4())
