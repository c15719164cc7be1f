"""The sample app (Python v2 programming model): ProcessOrder with versions 1.0 and 2.0."""

import json

import azure.durable_functions as df
import azure.functions as func
from orders import orchestration
from orders.status import status_check

from taskhub.routes import routable_minor

app = df.DFApp(http_auth_level=func.AuthLevel.FUNCTION)
# azure-functions' decorators carry no types: the ignores below say so, one per decorator.


@app.route(route="orders", methods=["POST"])  # type: ignore[untyped-decorator]
@app.durable_client_input(client_name="client")  # type: ignore[untyped-decorator]
async def start_order(
    req: func.HttpRequest, client: df.DurableOrchestrationClient
) -> func.HttpResponse:
    """Starts ProcessOrder; `?version=1.0` pins a version, otherwise defaultVersion applies.

    Only a version the router would route (a 2-4 part .NET version of at most 64
    characters, `taskhub.routes.routable_minor`) is started: the version goes into the
    Instances row, which every report prints, so a caller's text never does."""
    version = req.params.get("version") or None
    if version is not None and routable_minor(version) is None:
        body = {"error": "version is not a major.minor[.build[.revision]] version"}
        return func.HttpResponse(json.dumps(body), status_code=400, mimetype="application/json")
    instance_id = await client.start_new(
        "ProcessOrder", client_input=req.get_json(), version=version
    )
    response: func.HttpResponse = client.create_check_status_response(req, instance_id)
    return response


@app.route(route="status", methods=["GET"])  # type: ignore[untyped-decorator]
def StatusCheck(req: func.HttpRequest) -> func.HttpResponse:
    code, body = status_check()
    return func.HttpResponse(json.dumps(body), status_code=code, mimetype="application/json")


app.function_name("ProcessOrder")(
    app.orchestration_trigger(context_name="context")(orchestration.process_order)
)
for name, activity in {
    "ValidateOrder": orchestration.validate_order,
    "ApplyDiscount": orchestration.apply_discount,
    "ProcessPayment": orchestration.process_payment,
    "ProcessPaymentWithDiscount": orchestration.process_payment,
    "ShipOrder": orchestration.ship_order,
}.items():
    app.function_name(name)(app.activity_trigger(input_name="order")(activity))
