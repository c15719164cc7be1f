import os
import random
import secrets
import uuid

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    order_id = str(uuid.uuid4())  # expect: DDZ002
    pick = random.choice([1, 2, 3])  # expect: DDZ002
    token = secrets.token_hex(8)  # expect: DDZ002
    salt = os.urandom(4)  # expect: DDZ002
    unseeded = random.Random()  # expect: DDZ002
    yield context.call_activity("Work", [order_id, pick, token, salt.hex(), unseeded.random()])


@app.activity_trigger(input_name="value")
def Work(value):
    return str(uuid.uuid4())
