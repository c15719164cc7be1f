import logging

import azure.durable_functions as df

app = df.DFApp()
log = logging.getLogger(__name__)


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
    if not context.is_replaying:
        logging.info("starting %s", context.instance_id)
    if context.is_replaying:
        pass
    else:
        log.warning("still starting")
    yield context.call_activity("Work", None)


@app.activity_trigger(input_name="value")
def Work(value):
    log.info("activities run once")
