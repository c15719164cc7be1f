import azure.durable_functions as df

from orders.steps import plan

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def process(context):
    order = yield from plan(context, context.get_input())
    return order


@app.activity_trigger(input_name="order")
def Reserve(order):
    return order
