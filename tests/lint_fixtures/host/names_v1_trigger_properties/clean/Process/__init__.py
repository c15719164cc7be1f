import azure.durable_functions as df


def process(context: df.DurableOrchestrationContext):
    counter = df.EntityId("Tally", "orders")
    yield context.call_activity("ship_order", context.get_input())
    yield context.call_sub_orchestrator("ProcessOrder", None)
    yield context.call_entity(counter, "add", 1)


main = df.Orchestrator.create(process)
