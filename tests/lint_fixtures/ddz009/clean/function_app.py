from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    rounds = context.get_input() or 0
    while True:
        yield context.call_activity("Poll", None)
        yield context.create_timer(context.current_utc_datetime + timedelta(minutes=1))
        rounds += 1
        if rounds % 100 == 0:
            context.continue_as_new(rounds)
            return None
    while context.current_utc_datetime < context.current_utc_datetime + timedelta(hours=1):
        yield context.call_activity("Poll", None)


@app.activity_trigger(input_name="value")
def Poll(value):
    return value
