import azure.durable_functions as df

bp = df.Blueprint()


@bp.orchestration_trigger(context_name="context")
def deliver(context):
    yield context.call_activity("Shpi", context.get_input())  # expect: DDZ008
