import logging

import azure.durable_functions as df

app = df.DFApp()
log = logging.getLogger(__name__)


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    logging.info("starting %s", context.instance_id)  # expect: DDZ011
    log.warning("still starting")  # expect: DDZ011
    yield context.call_activity("Work", None)


@app.activity_trigger(input_name="value")
def Work(value):
    log.info("activities run once")
