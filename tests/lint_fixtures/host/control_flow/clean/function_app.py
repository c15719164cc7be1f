import datetime
import logging

from company_catalog import catalog
from company_telemetry import logger

import azure.durable_functions as df

app = df.DFApp()


def note(context, text):
    logging.info("%s: %s", context.instance_id, text)


@app.orchestration_trigger(context_name="context")
def approve(context):
    if context.is_replaying is False:
        logging.info("asking")
    catalog.info("asking")  # a catalogue's info(), not a logger
    if not context.is_replaying:
        note(context, "asking")
    if context.is_replaying == True:  # noqa: E712
        pass
    else:
        print("asking", context.instance_id)
    try:
        answer = yield context.wait_for_external_event("Approval")
    except Exception:
        logging.exception("no answer")
        raise
    if not answer:
        logging.warning("rejected")
        return None
    filed = yield context.call_activity("File", answer)
    log = logging.getLogger("approvals")
    log.info("filed %s at %s", filed, datetime.datetime.now())
    note(context, "done")
    logger.info("filed")
    return filed


@app.activity_trigger(input_name="answer")
def File(answer):
    return answer
