import logging

from company_telemetry import logger

import azure.durable_functions as df

app = df.DFApp()


def note(context, text):
    logging.info("%s: %s", context.instance_id, text)  # expect: DDZ011


@app.orchestration_trigger(context_name="context")
def approve(context):
    log = logging.getLogger("approvals")
    log.info("asking")  # expect: DDZ011
    print("asking", context.instance_id)  # expect: DDZ011
    logger.info("asking")  # expect: DDZ011
    note(context, "asking")
    try:
        answer = yield context.wait_for_external_event("Approval")
    except GeneratorExit:
        print("episode over")  # expect: DDZ011
        raise
    if context.is_replaying is not False:
        pass
    else:
        logging.info("answer %s", answer)
    logging.warning("filing")  # expect: DDZ011
    yield context.call_activity("File", answer)
    return answer


@app.activity_trigger(input_name="answer")
def File(answer):
    return answer
