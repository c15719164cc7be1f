import datetime
import logging

import azure.durable_functions as df


def orchestrator_function(context):
    deadline = context.current_utc_datetime
    return (yield context.call_activity("Hello", str(deadline)))


def main(context: str):
    logging.warning("runs once per episode, outside the generator")
    orchestrate = df.Orchestrator.create(orchestrator_function)
    return orchestrate(context)
