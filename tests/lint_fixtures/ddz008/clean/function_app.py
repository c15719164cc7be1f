import azure.durable_functions as df

app = df.DFApp()
SHIP = "ShipOrder"


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    yield context.call_activity("validateorder", None)
    yield context.call_activity(SHIP, None)
    yield context.call_sub_orchestrator("Payment", None)
    cart = df.EntityId("cart", "user1")
    yield context.call_entity(cart, "get")
    yield context.call_activity(ValidateOrder, None)


@app.activity_trigger(input_name="order")
def ValidateOrder(order):
    return order


@app.activity_trigger(input_name="order")
def ShipOrder(order):
    return order


@app.function_name(name="Payment")
@app.orchestration_trigger(context_name="context")
def payment_orchestrator(context):
    yield context.call_activity("ShipOrder", None)


@app.entity_trigger(context_name="context", entity_name="Cart")
def cart_entity(context):
    context.set_result(context.get_state(lambda: []))
