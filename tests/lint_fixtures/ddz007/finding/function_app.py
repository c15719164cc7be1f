import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    context.call_activity("Work", 1)  # expect: DDZ007
    forgotten = context.create_timer(context.current_utc_datetime)  # expect: DDZ007
    pending = []
    pending.append(context.call_activity("Work", 2))  # expect: DDZ007
    context.task_all([context.call_activity("Work", 3)])  # expect: DDZ007
    result = yield context.call_activity("Work", 4)
    return result


@app.activity_trigger(input_name="value")
def Work(value):
    return value
