import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def deliver(context):
    yield context.call_activity("Ship", context.get_input())


@app.function_name("ShipOrder")
@app.activity_trigger(input_name="order", activity="Ship")
def ship_order(order):
    return order
