import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    tasks = [context.call_activity("Work", n) for n in range(3)]
    results = yield context.task_all(tasks)
    first = yield context.task_any([context.call_activity("Work", 9), context.create_timer(context.current_utc_datetime)])
    return [results, first.result]


@app.activity_trigger(input_name="value")
async def Work(value):
    return value
