from orders import clock


def plan(ctx, order):
    ctx.call_activity("Reserve", order)  # expect: DDZ007
    reserved = yield ctx.call_activity("Reserve", {**order, "at": clock.now_iso()})
    return reserved
