import datetime

import azure.durable_functions as df


def orchestrator(context: df.DurableOrchestrationContext):
    started = context.current_utc_datetime
    return (yield context.call_activity("Hello", str(started)))


main = df.Orchestrator.create(orchestrator)
