import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    first = context.call_activity("Work", 1)
    timer = context.create_timer(context.current_utc_datetime)
    winner = yield context.task_any([first, timer])
    batch = []
    batch.append(context.call_activity("Work", 2))
    yield context.task_all(batch)
    context.signal_entity(df.EntityId("Counter", "orders"), "add", 1)
    context.set_custom_status("done")
    context.continue_as_new(winner.result)


@app.activity_trigger(input_name="value")
def Work(value):
    return value


@app.entity_trigger(context_name="context")
def Counter(context):
    context.set_state((context.get_state(lambda: 0) or 0) + 1)
