import azure.durable_functions as df

import settings
from settings import BATCH_SIZE

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def batches(context):
    orders = context.get_input()
    for start in range(0, len(orders), BATCH_SIZE):  # expect: DDZ006
        batch = orders[start : start + BATCH_SIZE]  # expect: DDZ006
        yield context.call_activity("Price", [settings.PRICE_URL, batch])  # expect: DDZ006


@app.activity_trigger(input_name="work")
def Price(work):
    return work
