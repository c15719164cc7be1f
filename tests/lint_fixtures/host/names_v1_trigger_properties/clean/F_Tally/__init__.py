import azure.durable_functions as df


def tally(context: df.DurableEntityContext):
    context.set_state((context.get_state(lambda: 0) or 0) + 1)


main = df.Entity.create(tally)
