import azure.durable_functions as df

app = df.DFApp()
SHIP = "ShipOrdr"


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    yield context.call_activity("ValidateOrdr", None)  # expect: DDZ008
    yield context.call_activity(SHIP, None)  # expect: DDZ008
    yield context.call_sub_orchestrator("Payment", None)  # expect: DDZ008
    yield context.call_entity(df.EntityId("Cart", "user1"), "get")  # expect: DDZ008
    yield context.call_activity("Refund", None)  # expect: DDZ008


@app.activity_trigger(input_name="order")
def ValidateOrder(order):
    return order


@app.activity_trigger(input_name="order")
def ShipOrder(order):
    return order


@app.function_name("Refund")
@app.orchestration_trigger(context_name="context")
def refund(context):
    yield context.call_activity("validateorder", None)
