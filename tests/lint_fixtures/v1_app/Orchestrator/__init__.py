import azure.durable_functions as df

from ..shared_code.helpers import stamp


def orchestrator_function(context: df.DurableOrchestrationContext):
    first = yield context.call_activity("Hello", stamp())
    second = yield context.call_activity("Helo", "Seattle")  # expect: DDZ008
    count = yield context.call_entity(df.EntityId("counter", "orders"), "get")
    return [first, second, count]


main = df.Orchestrator.create(orchestrator_function)
