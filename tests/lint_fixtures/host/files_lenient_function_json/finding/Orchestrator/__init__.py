import datetime

import azure.durable_functions as df


def orchestrator(context: df.DurableOrchestrationContext):
    started = datetime.datetime.now()  # expect: DDZ001
    yield context.call_activity("Broken", None)  # expect: DDZ008
    return (yield context.call_activity("Hello", str(started)))


main = df.Orchestrator.create(orchestrator)
