import datetime

import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def old(context):
    yield context.call_activity("Ship", str(datetime.datetime.now()))
