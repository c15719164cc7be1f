import requests

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    rows = yield context.call_activity("ReadOrders", "orders.csv")
    price = yield context.call_http("GET", "https://example.invalid/price")
    return [rows, price.content]


@app.activity_trigger(input_name="path")
def ReadOrders(path):
    with open(path) as rows:
        return [rows.read(), requests.get("https://example.invalid").text]
