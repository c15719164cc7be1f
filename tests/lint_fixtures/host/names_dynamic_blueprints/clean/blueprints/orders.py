import azure.durable_functions as df

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def deliver(context):
    yield context.call_activity("Ship", context.get_input())
