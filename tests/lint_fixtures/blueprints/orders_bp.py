from datetime import datetime

import azure.durable_functions as df

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def ship_orders(context):
    started = datetime.now()  # expect: DDZ001
    yield context.call_activity("Ship", str(started))
    yield context.call_activity("Audit", None)  # expect: DDZ008


@bp.activity_trigger(input_name="order")
def Ship(order):
    return order
