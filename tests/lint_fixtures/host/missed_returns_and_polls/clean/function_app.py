from datetime import timedelta

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def fan_out(context):
    tasks = [context.call_activity("Work", n) for n in range(3)]
    return (yield context.task_all(tasks))


@app.orchestration_trigger(context_name="context")
def poll(context):
    status, polls = "running", 0
    deadline = context.current_utc_datetime + timedelta(hours=1)
    while status != "done" and polls < 60:
        yield context.create_timer(context.current_utc_datetime)
        reply = yield context.call_activity("Work", 0)
        status, polls = reply["status"], polls + 1
    while context.current_utc_datetime < deadline:
        yield context.create_timer(deadline)
    return status


@app.activity_trigger(input_name="n")
def Work(n):
    return {"status": "done", "n": n}
