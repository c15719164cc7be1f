import datetime

import azure.durable_functions as df

from function_app import app


@app.orchestration_trigger(context_name="context")
def nightly(context):
    day = datetime.date.today()
    yield context.call_activity("Ship", str(day))


spare = df.DFApp()


@spare.orchestration_trigger(context_name="context")
def never_indexed(context):
    yield context.call_activity("Ship", str(datetime.datetime.now()))
