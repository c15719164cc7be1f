import subprocess

import requests
from azure.storage.blob import BlobServiceClient

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    with open("orders.csv") as rows:  # expect: DDZ005
        first = rows.readline()
    price = requests.get("https://example.invalid/price").json()  # expect: DDZ005
    subprocess.run(["true"])  # expect: DDZ005
    blobs = BlobServiceClient.from_connection_string("UseDevelopmentStorage=true")
    names = [b.name for b in blobs.get_container_client("orders").list_blobs()]  # expect: DDZ005
    yield context.call_activity("Work", [first, price, names])


@app.activity_trigger(input_name="value")
def Work(value):
    return requests.get("https://example.invalid").text
