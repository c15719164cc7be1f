from function_app import app


@app.activity_trigger(input_name="order")
def Archive(order):
    return order
