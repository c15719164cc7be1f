"""The application patterns of the Durable Functions overview (learn.microsoft.com,
durable-functions-overview, Python v2 tabs: chaining, fan-out/fan-in, monitor, human
interaction, aggregator entity, eternal orchestration, sub-orchestrations), written as that
page writes them, plus replay-safe uses of modules the rules watch. Not one finding."""

import json
import logging
import random
from datetime import timedelta

import azure.durable_functions as df
import azure.functions as func
from azure.core.exceptions import ResourceNotFoundError

app = df.DFApp(http_auth_level=func.AuthLevel.ANONYMOUS)
RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=3)


@app.route(route="orchestrators/{functionName}")
@app.durable_client_input(client_name="client")
async def http_start(req: func.HttpRequest, client):
    instance_id = await client.start_new(req.route_params["functionName"])
    return client.create_check_status_response(req, instance_id)


@app.orchestration_trigger(context_name="context")
def chaining(context: df.DurableOrchestrationContext):
    x = yield context.call_activity("F1", None)
    y = yield context.call_activity("F2", x)
    z = yield context.call_activity_with_retry("F3", RETRY, y)
    return (yield context.call_activity("F4", z))


@app.orchestration_trigger(context_name="context")
def fan_out_fan_in(context: df.DurableOrchestrationContext):
    work_batch = yield context.call_activity("F1", None)
    parallel_tasks = [context.call_activity("F2", b) for b in work_batch]
    outputs = yield context.task_all(parallel_tasks)
    total = sum(outputs)
    yield context.call_activity("F3", total)


@app.orchestration_trigger(context_name="context")
def monitor(context: df.DurableOrchestrationContext):
    job = json.loads(context.get_input())
    expiry_time = context.current_utc_datetime + timedelta(hours=6)
    while context.current_utc_datetime < expiry_time:
        job_status = yield context.call_activity("GetJobStatus", job["id"])
        if job_status == "Completed":
            yield context.call_activity("SendAlert", job["id"])
            break
        next_check = context.current_utc_datetime + timedelta(seconds=job["interval"])
        yield context.create_timer(next_check)


@app.orchestration_trigger(context_name="context")
def human_interaction(context: df.DurableOrchestrationContext):
    yield context.call_activity("RequestApproval", None)
    due_time = context.current_utc_datetime + timedelta(hours=72)
    durable_timeout_task = context.create_timer(due_time)
    approval_event_task = context.wait_for_external_event("ApprovalEvent")
    winning_task = yield context.task_any([approval_event_task, durable_timeout_task])
    if approval_event_task == winning_task:
        durable_timeout_task.cancel()
        yield context.call_activity("ProcessApproval", approval_event_task.result)
    else:
        yield context.call_activity("Escalate", None)


@app.orchestration_trigger(context_name="context")
def eternal_cleanup(context: df.DurableOrchestrationContext):
    yield context.call_activity("DoCleanup", None)
    next_cleanup = context.current_utc_datetime + timedelta(hours=1)
    yield context.create_timer(next_cleanup)
    context.continue_as_new(None)


@app.orchestration_trigger(context_name="context")
def counter_user(context: df.DurableOrchestrationContext):
    entity_id = df.EntityId("Counter", "myCounter")
    context.signal_entity(entity_id, "add", 1)
    state = yield context.call_entity(entity_id, "get")
    if not context.is_replaying:
        logging.info("counter is %s", state)
    rng = random.Random(context.instance_id)
    if state is None:
        raise ResourceNotFoundError("no counter")
    return rng.choice([state, state])


@app.orchestration_trigger(context_name="context")
def provision_devices(context: df.DurableOrchestrationContext):
    device_ids = yield context.call_activity("GetNewDeviceIds", None)
    provisioning_tasks = []
    for device_id in device_ids:
        child_id = f"{context.instance_id}:{device_id}"
        provisioning_tasks.append(
            context.call_sub_orchestrator("DeviceProvisioningOrchestrator", device_id, child_id)
        )
    yield context.task_all(provisioning_tasks)
    yield context.call_activity("SendNotification", None)


@app.orchestration_trigger(context_name="context")
def DeviceProvisioningOrchestrator(context: df.DurableOrchestrationContext):
    device_id = context.get_input()
    yield context.call_activity("ProvisionDevice", device_id)


@app.entity_trigger(context_name="context")
def Counter(context: df.DurableEntityContext):
    current_value = context.get_state(lambda: 0)
    operation = context.operation_name
    if operation == "add":
        current_value += context.get_input()
    elif operation == "reset":
        current_value = 0
    context.set_state(current_value)
    context.set_result(current_value)


for _activity in (
    "F1",
    "F2",
    "F3",
    "F4",
    "GetJobStatus",
    "SendAlert",
    "RequestApproval",
    "ProcessApproval",
    "Escalate",
    "DoCleanup",
    "GetNewDeviceIds",
    "SendNotification",
    "ProvisionDevice",
):
    app.function_name(_activity)(app.activity_trigger(input_name="value")(json.dumps))
