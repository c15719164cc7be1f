import azure.durable_functions as df

import settings

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def batches(context):
    orders, size = context.get_input()
    for start in range(0, len(orders), size):
        yield context.call_activity_with_retry(
            "Price", df.RetryOptions(1000, settings.RETRIES), orders[start : start + size]
        )


@app.activity_trigger(input_name="batch")
def Price(batch):
    return [settings.PRICE_URL, settings.BATCH_SIZE, batch]
