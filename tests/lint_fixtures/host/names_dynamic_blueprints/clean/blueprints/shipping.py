import azure.durable_functions as df

bp = df.Blueprint()


@bp.activity_trigger(input_name="order", activity="Ship")
def ship_order(order):
    return order
