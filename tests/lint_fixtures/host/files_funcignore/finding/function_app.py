import legacy_archive  # noqa: F401  (left out by .funcignore)
import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def deliver(context):
    yield context.call_activity("Archive", context.get_input())  # expect: DDZ008


@app.activity_trigger(input_name="order")
def Ship(order):
    return order
