import azure.durable_functions as df

audit = df.Blueprint()


@audit.activity_trigger(input_name="entry")
def Audit(entry):
    return entry
