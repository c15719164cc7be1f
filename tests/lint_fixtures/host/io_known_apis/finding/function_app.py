import pandas as pd
import requests
from azure.storage.blob import BlobServiceClient

import azure.durable_functions as df

app = df.DFApp()
BLOBS = BlobServiceClient(account_url="https://example.invalid")


@app.orchestration_trigger(context_name="context")
def report(context):
    prices = pd.read_csv("https://example.invalid/prices.csv")  # expect: DDZ005
    session = requests.Session()
    quote = session.get("https://example.invalid/quote").json()  # expect: DDZ005
    container = BLOBS.get_container_client("reports")
    container.upload_blob("today.csv", prices.to_csv())  # expect: DDZ005
    yield context.call_activity("Publish", quote)


@app.activity_trigger(input_name="quote")
def Publish(quote):
    return quote
