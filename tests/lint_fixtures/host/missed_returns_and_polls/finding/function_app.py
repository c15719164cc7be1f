import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def fan_out(context):
    tasks = [context.call_activity("Work", n) for n in range(3)]
    return context.task_all(tasks)  # expect: DDZ007


@app.orchestration_trigger(context_name="context")
def poll(context):
    status = "running"
    while status != "done":  # expect: DDZ009
        yield context.create_timer(context.current_utc_datetime)
        reply = yield context.call_activity("Work", 0)
        status = reply["status"]
    return status


@app.activity_trigger(input_name="n")
def Work(n):
    return {"status": "done", "n": n}
