"""The sample app's real starter answer, through the router: its status URLs lead back to
the router, and following them reaches the instance's own version."""

from __future__ import annotations

import json
import sys
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import azure.functions as func
import httpx
import pytest
from azure.data.tables import TableServiceClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route as Endpoint

from standins.azurite import Azurite, free_port
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.routes import Route, RouteStore
from tests.support.checkout import ROOT, orders_function_app
from tests.support.helpers import SECRET_ACCOUNT, async_service
from tests.support.servers import as_json, echo_backend, serve

sys.path.insert(0, str(ROOT / "apps" / "router"))

from router.app import create_app
from router.hosts import AllowedHosts
from router.status_urls import STATUS_FIELDS
from router.store import instance_owner, route_loader

PREFIX = "StatusUrls"
STARTED: list[str] = []
"""The version of every start the sample app asked the extension for."""
HUB = "OrdersV20"
WEBHOOK = "runtime/webhooks/durabletask"


def _start_order() -> Any:
    """apps/orders' HTTP starter."""
    functions = orders_function_app().app.get_functions()
    return next(f for f in functions if f.get_function_name() == "start_order").get_user_function()


def _client_binding(base: str) -> str:
    """What the host hands a durable client binding: managementUrls with the INSTANCEID
    placeholder, shaped as azure-functions-durable-extension's HttpApiHandler builds them
    (src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs, CreateHttpManagementPayload:
    instancePrefix + "?" + querySuffix, "/raiseEvent/{eventName}", "/terminate?reason=
    {text}&", ...), and rpcBaseUrl the SDK posts new starts to (`start_new`)."""
    prefix = f"{base}{WEBHOOK}/instances/INSTANCEID"
    suffix = f"taskHub={HUB}&connection=Storage&code=systemkey"
    management = {
        "id": "INSTANCEID",
        "statusQueryGetUri": f"{prefix}?{suffix}",
        "sendEventPostUri": f"{prefix}/raiseEvent/{{eventName}}?{suffix}",
        "terminatePostUri": f"{prefix}/terminate?reason={{text}}&{suffix}",
        "rewindPostUri": f"{prefix}/rewind?reason={{text}}&{suffix}",
        "purgeHistoryDeleteUri": f"{prefix}?{suffix}",
        "restartPostUri": f"{prefix}/restart?{suffix}",
        "suspendPostUri": f"{prefix}/suspend?reason={{text}}&{suffix}",
        "resumePostUri": f"{prefix}/resume?reason={{text}}&{suffix}",
    }
    return json.dumps(
        {
            "taskHubName": HUB,
            "creationUrls": {},
            "managementUrls": management,
            "rpcBaseUrl": f"{base}{WEBHOOK}/",
        }
    )


def orders_backend(host: DurableHostSimulator) -> Starlette:
    """The sample app's starter run for real by the SDK; the extension's two webhooks it
    needs (start, status) answered by a stand-in that records the instance in Azurite."""
    start_order = _start_order()

    async def starter(request: Request) -> Response:
        incoming = func.HttpRequest(
            method=request.method,
            url=str(request.url),
            headers=dict(request.headers),
            params=dict(request.query_params),
            body=await request.body(),
        )
        # As the worker calls it: keyword arguments, the client binding as its JSON string
        # (the SDK's df_client_middleware builds the DurableOrchestrationClient from it).
        answer = await start_order(req=incoming, client=_client_binding(str(request.base_url)))
        return Response(answer.get_body(), answer.status_code, headers=dict(answer.headers))

    async def start(request: Request) -> JSONResponse:
        instance_id = uuid.uuid4().hex
        # The SDK's start_new sends the version as `?version=` (DurableOrchestrationClient).
        version = request.query_params.get("version", "2.0")
        STARTED.append(version)
        host.write(SimulatedInstance(instance_id, "ProcessOrder", "Pending", version))
        return JSONResponse({"id": instance_id}, status_code=202)

    async def status(request: Request) -> JSONResponse:
        return JSONResponse(
            {"backend": "orders-v2-0", "instanceId": request.path_params["id"]},
            headers={"location": str(request.url)},
            status_code=202,
        )

    return Starlette(
        routes=[
            Endpoint("/api/orders", starter, methods=["POST"]),
            Endpoint(f"/{WEBHOOK}/orchestrators/ProcessOrder", start, methods=["POST"]),
            Endpoint(f"/{WEBHOOK}/instances/{{id}}", status, methods=["GET"]),
        ]
    )


@pytest.fixture(scope="module")
def routed() -> Iterator[tuple[str, str]]:
    # An Azurite of its own: the route table is one per account, other modules write theirs.
    with Azurite((SECRET_ACCOUNT,)) as azurite:
        service = TableServiceClient.from_connection_string(
            azurite.connection_string(SECRET_ACCOUNT.name)
        )
        host = DurableHostSimulator(service, TaskHub(HUB, tracking_prefix=PREFIX))
        host.create_hub()
        with serve(orders_backend(host)) as app_url, serve(echo_backend("v10")) as v10:
            RouteStore(service).save(
                Route("2.0", "orders-v2-0", app_url, "2.0.0", HUB, current=True),
                Route("1.0", "orders-v1-0", v10, "1.0.0", "OrdersV10"),
            )
            owners = async_service(azurite)
            port = free_port()
            app = create_app(
                route_loader(service),
                instance_owner(owners, f"{PREFIX}Instances"),
                public_url=f"http://127.0.0.1:{port}",
                allowed_hosts=AllowedHosts(["http://127.0.0.1"]),
                on_shutdown=owners.close,
            )
            with serve(app, port=port) as router:
                yield router, app_url


def test_a_starters_status_urls_lead_back_through_the_router(routed: tuple[str, str]) -> None:
    router, app_url = routed
    started = httpx.post(router + "/api/orders", json={"id": "o-1", "amount": 5}, timeout=10)
    assert started.status_code == 202, started.text
    payload = started.json()
    assert set(payload) == {"id", *STATUS_FIELDS}
    for field in STATUS_FIELDS:
        assert payload[field].startswith(router + f"/{WEBHOOK}/instances/{payload['id']}"), field
        assert urlsplit(app_url).netloc not in payload[field]
        assert f"taskHub={HUB}&connection=Storage&code=systemkey" in payload[field]
    assert started.headers["location"] == payload["statusQueryGetUri"]
    assert started.headers["content-length"] == str(len(started.content))
    # Following the rewritten URL reaches the instance's own version, through the router.
    status = httpx.get(payload["statusQueryGetUri"], timeout=10)
    assert status.status_code == 202
    assert status.json() == {"backend": "orders-v2-0", "instanceId": payload["id"]}
    assert status.headers["x-routed-version"] == "2.0.0"
    assert status.headers["location"].startswith(router + "/")


def test_other_bodies_pass_through_untouched(routed: tuple[str, str]) -> None:
    router, app_url = routed
    body = json.dumps({"statusQueryGetUri": app_url + "/x"}).encode()
    echoed = httpx.post(
        router + "/api/echo", content=body, headers={"x-app-version": "1.0"}, timeout=10
    )
    assert echoed.status_code == 200
    assert as_json(echoed.text)["body"] == body.decode()  # a 200 is streamed as it came


def test_status_urls_name_the_configured_public_url_whatever_the_host_header(
    routed: tuple[str, str],
) -> None:
    """The status URLs carry the durable system key: a spoofed Host must not receive them."""
    router, _app_url = routed
    started = httpx.post(
        router + "/api/orders",
        json={"id": "o-2", "amount": 5},
        headers={"host": "evil.example"},
        timeout=10,
    )
    assert started.status_code == 202, started.text
    payload = started.json()
    for field in STATUS_FIELDS:
        assert payload[field].startswith(router + f"/{WEBHOOK}/instances/"), payload[field]
    assert "evil.example" not in started.text
    assert started.headers["location"].startswith(router + "/")


@pytest.mark.parametrize(
    ("version", "status"),
    [
        ("2.0 ##vso[task.setvariable variable=app]x", 400),
        ("2.0\x1b[2K", 400),
        ("1" * 70 + ".0", 400),  # longer than the router reads
        ("v2.0", 400),
        ("2.0.1", 202),
        ("1.0", 202),  # pinning an older version stays possible
    ],
)
def test_the_sample_app_starts_only_a_version_its_router_would_route(
    routed: tuple[str, str], version: str, status: int
) -> None:
    """Called directly (the router refuses such a version itself): the row would carry it."""
    _router, app_url = routed
    before = len(STARTED)
    answer = httpx.post(
        app_url + "/api/orders", params={"version": version}, json={"id": "o-3"}, timeout=10
    )
    assert answer.status_code == status, answer.text
    assert STARTED[before:] == ([version] if status == 202 else [])
