import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context", orchestration="deliver")
def deliver(context):
    return (yield context.call_activity("Ship", context.get_input()))


@app.function_name("Second")
@app.orchestration_trigger(context_name="context", orchestration="Redeliver")
def deliver_again(context):
    return (yield context.call_activity("Ship", context.get_input()))


@app.activity_trigger(input_name="order")
def Ship(order):
    return order
