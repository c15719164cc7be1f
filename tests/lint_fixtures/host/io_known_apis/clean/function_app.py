from datetime import timedelta
from urllib.parse import quote, urlencode

import requests
from azure.storage.blob import BlobSasPermissions, BlobServiceClient, generate_blob_sas
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def report(context):
    order = context.get_input()
    url = "https://example.invalid/orders/" + quote(order["id"]) + "?" + urlencode(order)
    day = context.current_utc_datetime.strftime("%Y-%m-%d")
    sas = generate_blob_sas(
        account_name="store",
        container_name="reports",
        blob_name=f"{day}.csv",
        account_key=order["key"],
        permission=BlobSasPermissions(read=True),
        expiry=context.current_utc_datetime + timedelta(hours=1),
    )
    session = requests.Session()
    session.mount("https://", HTTPAdapter(max_retries=Retry(total=3)))
    client = BlobServiceClient(account_url="https://store.blob.core.windows.net")
    blob = client.get_blob_client("reports", f"{day}.csv")
    yield context.call_activity("Publish", {"url": url, "sas": sas, "blob": blob.url})


@app.activity_trigger(input_name="quote")
def Publish(quote):
    return quote
