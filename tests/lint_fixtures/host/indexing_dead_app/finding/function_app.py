import jobs.nightly  # noqa: F401
import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def deliver(context):
    return (yield context.call_activity("Ship", context.get_input()))


@app.activity_trigger(input_name="order")
def Ship(order):
    return order
