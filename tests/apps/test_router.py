"""The version router under uvicorn, in front of two real backends, routes in Azurite."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

import azure.functions as func
import httpx
import pytest
from azure.data.tables import TableServiceClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from standins.azurite import Azurite, free_port
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from standins.serve import wait_until_answering
from taskhub.hubs import TaskHub
from taskhub.routes import (
    ROUTER_ALLOWED_HOSTS_SETTING,
    ROUTER_PREFIX_SETTING,
    ROUTER_PUBLIC_URL_SETTING,
    ROUTER_STORAGE_SETTING,
    Route,
    RouteState,
    RouteStore,
)
from tests.support.checkout import ROOT
from tests.support.helpers import SECRET_ACCOUNT, async_service
from tests.support.servers import as_json, echo_backend, serve

sys.path.insert(0, str(ROOT / "apps" / "router"))

from router.app import Router, create_app
from router.functions_host import function_app
from router.hosts import AllowedHosts
from router.owners import OwnerLookup
from router.store import instance_owner, route_loader

PREFIX = "RouterTest"
LOOPBACK = AllowedHosts(["http://127.0.0.1"])
"""The backends here are loopback stand-ins; the default allows Azure's app domains only."""
PUBLIC = "https://router.example"


CAPTURED: list[dict[str, object]] = []
"""Every request that reached the capture server: what a hostile request must never add to."""


async def capture(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """A plain ASGI server that records what reaches it (path, headers) and answers 200."""
    if scope["type"] != "http":
        return
    CAPTURED.append({"path": scope["raw_path"], "headers": dict(scope["headers"])})
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"captured"})


@pytest.fixture(scope="module")
def backends() -> Iterator[dict[str, str]]:
    with (
        serve(echo_backend("v10")) as v10,
        serve(echo_backend("v11")) as v11,
        serve(echo_backend("slow", delay=2)) as slow,
        serve(capture) as captured,
    ):
        yield {"v10": v10, "v11": v11, "slow": slow, "capture": captured}


def _routes(backends: dict[str, str]) -> list[Route]:
    return [
        Route("1.0", "orders-v1-0", backends["v10"], "1.0.3", "OrdersV10"),
        Route("1.1", "orders-v1-1", backends["v11"], "1.1.0", "OrdersV11", current=True),
        Route("0.9", "orders-v0-9", backends["v10"], "0.9.1", "OrdersV09", RouteState.RETIRED),
        Route("3.0", "orders-v3-0", f"http://127.0.0.1:{free_port()}", "3.0.0", "OrdersV30"),
        Route("4.0", "orders-v4-0", backends["slow"], "4.0.0", "OrdersV40"),
        Route("5.0", "orders-v5-0", backends["capture"], "5.0.0", "OrdersV50"),
        # A row aimed at a host RouterAllowedHosts does not name (same server, other name).
        Route("6.0", "evil", backends["capture"].replace("127.0.0.1", "localhost"), "6.0.0", "E"),
    ]


@pytest.fixture(scope="module")
def router(azurite: Azurite, backends: dict[str, str]) -> Iterator[str]:
    service = TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name)
    )
    store = RouteStore(service)
    for route in _routes(backends):
        store.save(route)
    for hub, instance in (
        ("OrdersV10", "old-1"),
        ("OrdersV11", "new/1"),
        ("OrdersV10", "p%41"),  # a literal percent sign in the id
        ("OrdersV11", "pA"),  # what a second decoding of p%2541 would give
    ):
        host = DurableHostSimulator(service, TaskHub(hub, tracking_prefix=PREFIX))
        host.create_hub()
        host.write(SimulatedInstance(instance, "ProcessOrder", "Running"))
    owners = async_service(azurite)
    app = create_app(
        route_loader(service),
        instance_owner(owners, f"{PREFIX}Instances"),
        on_shutdown=owners.close,
        public_url=PUBLIC,
        allowed_hosts=LOOPBACK,
        refresh=0.5,
        timeout=1.5,  # under the slow backend's 2 s, above a loaded machine's slowest echo
    )
    with serve(app) as url:
        yield url


def get(router: str, path: str = "/api/orders", **kwargs: object) -> httpx.Response:
    return httpx.request(str(kwargs.pop("method", "GET")), router + path, timeout=10, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("headers", "params", "backend", "routed"),
    [
        ({"x-app-version": "1.1.7"}, {}, "v11", "1.1.0"),  # the patch is ignored
        ({"x-app-version": "1.0"}, {}, "v10", "1.0.3"),
        ({}, {"version": "1.0.9"}, "v10", "1.0.3"),
        ({}, {}, "v11", "1.1.0"),  # no version: the current one
    ],
)
def test_version_resolution(
    router: str, headers: dict[str, str], params: dict[str, str], backend: str, routed: str
) -> None:
    response = get(router, headers=headers, params=params)
    assert response.status_code == 200, response.text
    assert as_json(response.text)["backend"] == backend
    assert response.headers["x-routed-version"] == routed
    assert as_json(response.text)["headers"]["x-routed-version"] == routed


@pytest.mark.parametrize(
    ("version", "status", "error"),
    [
        ("abc", 400, "malformed"),
        ("1", 400, "malformed"),
        ("2.0", 404, "unknown"),
        ("0.9", 404, "unknown"),
    ],
)
def test_errors_are_json(router: str, version: str, status: int, error: str) -> None:
    response = get(router, headers={"x-app-version": version})
    assert response.status_code == status
    body = response.json()
    assert error in body["error"]
    if status == 404:
        assert body["active"] == ["1.0", "1.1", "3.0", "4.0", "5.0", "6.0"]


def test_instance_affine_requests_reach_the_owner(router: str) -> None:
    # The instance belongs to 1.0's hub: the version header does not matter.
    status = get(
        router, "/runtime/webhooks/durabletask/instances/old-1", headers={"x-app-version": "1.1"}
    )
    assert status.json()["backend"] == "v10"
    event = get(router, "/api/raise", params={"instanceId": "new/1"}, method="POST", content=b"{}")
    assert event.json()["backend"] == "v11"
    assert get(router, "/api/instances/nobody").status_code == 404


def raw_request(router: str, target: bytes, headers: bytes = b"") -> tuple[int, bytes]:
    """One request with `target` sent byte for byte (httpx would normalise dot segments)."""
    where = urlsplit(router)
    with socket.create_connection((where.hostname, where.port)) as raw:
        raw.sendall(
            b"GET "
            + target
            + b" HTTP/1.1\r\nHost: router\r\n"
            + headers
            + b"Connection: close\r\n\r\n"
        )
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    head, _, body = reply.partition(b"\r\n\r\n")
    return int(head.split(b" ")[1]), body


@pytest.mark.parametrize(
    ("target", "backend", "raw_path"),
    [
        # One id with a slash in it, forwarded exactly as received.
        (b"/api/instances/new%2F1/raiseEvent/Go", "v11", "/api/instances/new%2F1/raiseEvent/Go"),
        # Decoded once: the id is "p%41" (1.0's), never "pA" (1.1's).
        (b"/api/instances/p%2541", "v10", "/api/instances/p%2541"),
        # The Functions host matches routes case-insensitively; so does the router.
        (b"/runtime/webhooks/durabletask/INSTANCES/old-1", "v10", None),
    ],
)
def test_the_path_routed_on_is_the_path_forwarded(
    router: str, target: bytes, backend: str, raw_path: str | None
) -> None:
    status, body = raw_request(router, target, b"x-app-version: 1.1\r\n")
    assert status == 200, body
    echoed = as_json(body.decode())
    assert echoed["backend"] == backend
    assert echoed["raw_path"] == (raw_path or target.decode())


@pytest.mark.parametrize(
    "target",
    [
        b"/api/../instances/old-1",
        b"/api/%2e%2e/instances/old-1",
        b"/api/..%2F/instances/old-1",
        b"/api/%2E%2e%5Cx",
        b"/api/./orders",
        b"/api/instances/%ff%fe",
        b"/api/instances/old-1?instanceId=new%2F1",
        b"/api/raise?instanceId=old-1&instanceId=new%2F1",
        b"/api/raise?instanceId=old-1&INSTANCEID=old-1",
        b"/api/orders?version=1.0&version=1.1",
    ],
)
def test_ambiguous_requests_are_refused_before_any_decision(router: str, target: bytes) -> None:
    status, body = raw_request(router, target)
    assert status == 400, body
    assert "error" in json.loads(body) and b"backend" not in body


def test_a_repeated_version_header_is_400(router: str) -> None:
    status, body = raw_request(
        router, b"/api/orders", b"x-app-version: 1.0\r\nx-app-version: 1.1\r\n"
    )
    assert status == 400 and b"repeated" in body


def test_an_oversized_version_is_400(router: str) -> None:
    for version in ("1." + "9" * 5000, "9" * 12 + ".0"):
        response = get(router, headers={"x-app-version": version})
        assert response.status_code == 400, response.text
        assert "malformed" in response.json()["error"]


def test_forwarding_keeps_the_request_and_drops_hop_by_hop(router: str) -> None:
    response = get(
        router,
        "/api/orders/7",
        method="POST",
        params={"a": "1", "b": "x y"},
        content=b'{"id": 7}',
        headers={
            "x-app-version": "1.1",
            "x-custom": "yes",
            "proxy-authorization": "Basic c2VjcmV0",
        },
    )
    echoed = response.json()
    assert (echoed["method"], echoed["path"], echoed["body"]) == (
        "POST",
        "/api/orders/7",
        '{"id": 7}',
    )
    assert echoed["query"] == "a=1&b=x+y"
    assert echoed["headers"]["x-custom"] == "yes"
    assert "proxy-authorization" not in echoed["headers"]
    assert response.headers["set-cookie"] == "a=1"


def test_unreachable_and_slow_backends(router: str) -> None:
    down = get(router, headers={"x-app-version": "3.0"})
    assert down.status_code == 502 and down.json()["version"] == "3.0.0"
    slow = get(router, headers={"x-app-version": "4.0"})
    assert slow.status_code == 504


def test_no_open_proxy(router: str, backends: dict[str, str]) -> None:
    target = urlsplit(router)
    with socket.create_connection((target.hostname, target.port)) as raw:
        raw.sendall(
            b"GET http://evil.example/steal HTTP/1.1\r\nHost: evil.example\r\n"
            b"x-app-version: 1.0\r\nConnection: close\r\n\r\n"
        )
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    # An absolute-form target names no host the router forwards to: uvicorn hands the
    # router its path only, and that goes where the route table says.
    assert reply.startswith(b"HTTP/1.1 200") and b'"backend":"v10"' in reply
    assert b'"path":"/steal"' in reply
    spoofed = get(
        router, "//evil.example/x", headers={"host": "evil.example", "x-app-version": "1.0"}
    )
    assert spoofed.json()["backend"] == "v10"


@pytest.mark.slow
@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    version=st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=20),
    path=st.text(alphabet=st.characters(min_codepoint=33, max_codepoint=126), max_size=30),
)
def test_fuzzed_versions_and_paths_never_500(router: str, version: str, path: str) -> None:
    response = httpx.get(
        router + "/" + path.lstrip("/").replace("?", "%3F").replace("#", "%23"),
        # HTTP forbids leading and trailing blanks in a header value.
        headers={"x-app-version": version.strip()} if version.strip() else {},
        timeout=10,
    )
    assert response.status_code < 500 or response.status_code in (502, 504), response.text


SEGMENTS = ["api", "instances", "INSTANCES", "old-1", "new%2F1", "p%2541", "pA", "x%2Fy",
            ".", "..", "%2e%2e", "%2E", "..%2F", "a%5C..", "%ff", ""]  # fmt: skip
OWNERS = {"old-1": "v10", "new/1": "v11", "p%41": "v10", "pA": "v11"}


@settings(
    max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(segments=st.lists(st.sampled_from(SEGMENTS), min_size=1, max_size=6))
def test_fuzzed_paths_are_refused_or_forwarded_byte_for_byte(
    router: str, segments: list[str]
) -> None:
    target = "/" + "/".join(segments)
    status, body = raw_request(router, target.encode(), b"x-app-version: 1.1\r\n")
    assert status in (200, 400, 404), body
    if status != 200:
        return
    echoed = as_json(body.decode())
    assert echoed["raw_path"] == target  # the bytes judged are the bytes forwarded
    decoded = [unquote(s) for s in segments]
    owned = [
        decoded[i + 1]
        for i, s in enumerate(decoded[:-1])
        if s.lower() == "instances" and decoded[i + 1]
    ]
    # The owner of the first instance named decides; without one, the version header.
    assert echoed["backend"] == (OWNERS[owned[0]] if owned else "v11")


@pytest.mark.slow
def test_the_last_good_table_survives_a_store_outage(backends: dict[str, str]) -> None:
    with Azurite((SECRET_ACCOUNT,)) as own:
        service = TableServiceClient.from_connection_string(
            own.connection_string(SECRET_ACCOUNT.name), retry_total=0
        )
        store = RouteStore(service)
        store.save(Route("1.1", "a", backends["v11"], "1.1.0", "H", current=True))
        owners = async_service(own, retry_total=0)
        owner = instance_owner(owners, "XInstances")
        app = create_app(
            route_loader(service),
            owner,
            public_url=PUBLIC,
            allowed_hosts=LOOPBACK,
            refresh=0.2,
            on_shutdown=owners.close,
        )
        with serve(app) as url:
            assert get(url).json()["backend"] == "v11"
            # One row no reader understands is skipped; the rest of the table still loads.
            bad = {"PartitionKey": "routes", "RowKey": "1.2", "State": "paused", "BaseUrl": 7}
            store.table.upsert_entity(bad)
            store.save(Route("1.0", "b", backends["v10"], "1.0.3", "G"))
            time.sleep(0.5)
            assert get(url, headers={"x-app-version": "1.0"}).json()["backend"] == "v10"
            assert get(url, headers={"x-app-version": "1.2"}).status_code == 404
            # Two current versions (a half-done change by hand): no guess, a 503.
            store.save(Route("1.0", "b", backends["v10"], "1.0.3", "G", current=True))
            time.sleep(0.5)
            twice = get(url)
            assert twice.status_code == 503 and twice.json()["current"] == ["1.0", "1.1"]
            store.save(Route("1.0", "b", backends["v10"], "1.0.3", "G"))
            time.sleep(0.5)
            assert get(url).json()["backend"] == "v11"  # the cache reloads on a request
            own.stop()
            time.sleep(0.5)
            assert get(url).json()["backend"] == "v11"
            # The owner of an instance cannot be looked up: 503 JSON, never a guess or a 500.
            lookup = get(url, "/api/instances/order-1")
            assert lookup.status_code == 503 and "unavailable" in lookup.json()["error"]


def test_a_just_started_instance_is_found_after_the_negative_ttl(
    azurite: Azurite, backends: dict[str, str]
) -> None:
    service = TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name)
    )
    RouteStore(service).save(Route("1.0", "orders-v1-0", backends["v10"], "1.0.3", "OrdersV10"))
    host = DurableHostSimulator(service, TaskHub("OrdersV10", tracking_prefix="LateStart"))
    host.create_hub()
    owners = async_service(azurite)
    app = create_app(
        route_loader(service),
        instance_owner(owners, "LateStartInstances"),
        public_url=PUBLIC,
        allowed_hosts=LOOPBACK,
        negative_ttl=1.0,
        on_shutdown=owners.close,
    )
    with serve(app) as url:
        path = "/runtime/webhooks/durabletask/instances/late-1"
        assert get(url, path).status_code == 404  # not started yet: a cached miss
        host.write(SimulatedInstance("late-1", "ProcessOrder", "Running"))
        assert get(url, path).status_code == 404  # still the cached miss, never misrouted
        time.sleep(1.1)
        found = get(url, path)
        assert found.status_code == 200 and found.json()["backend"] == "v10"
        host.table.delete_entity("late-1", "")
        assert get(url, path).json()["backend"] == "v10"  # a found owner is kept


def raw_exchange(router: str, request: bytes) -> bytes:
    """One request sent byte for byte on its own connection; the whole reply."""
    where = urlsplit(router)
    with socket.create_connection((where.hostname, where.port), timeout=10) as raw:
        raw.sendall(request)
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    return reply


def own_router(
    azurite: Azurite,
    wrap: Callable[[OwnerLookup], OwnerLookup] = lambda read: read,
    client_address_header: str | None = None,
) -> Router:
    """Another router on the module's tables (the same route rows and instances); `wrap`
    goes around its real owner read."""
    service = TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name)
    )
    owners = async_service(azurite)
    return create_app(
        route_loader(service),
        wrap(instance_owner(owners, f"{PREFIX}Instances")),
        public_url=PUBLIC,
        allowed_hosts=LOOPBACK,
        client_address_header=client_address_header,
        on_shutdown=owners.close,
    )


@pytest.mark.parametrize("parser", ["h11", "httptools"])
def test_content_length_with_transfer_encoding_is_400_and_nothing_is_forwarded(
    azurite: Azurite, router: str, parser: str
) -> None:
    """RFC 9112 6.1: a message with both is an error; relayed, its body framing is a guess.
    httptools (llhttp) refuses it itself; h11 hands it to the app, which must refuse it."""
    before = len(CAPTURED)
    with serve(own_router(azurite), http=parser) as url:
        reply = raw_exchange(
            url,
            b"POST /api/orders HTTP/1.1\r\nHost: router\r\nx-app-version: 5.0\r\n"
            b"Content-Length: 40\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
            b"5\r\nhello\r\n0\r\n\r\n",
        )
    assert reply.startswith(b"HTTP/1.1 400"), reply[:200]
    assert len(CAPTURED) == before


def test_a_route_row_aimed_at_a_host_not_allowed_receives_nothing(router: str) -> None:
    """A written route row cannot aim the router (and the caller's key) at another host."""
    before = len(CAPTURED)
    response = get(
        router,
        "/api/orders",
        params={"code": "function-key"},
        headers={"x-app-version": "6.0", "x-functions-key": "function-key"},
    )
    assert response.status_code == 502, response.text
    assert "RouterAllowedHosts" in response.json()["error"]
    assert len(CAPTURED) == before
    # The same server under an allowed name is reached, key and all: the block is the host.
    allowed = get(router, "/api/orders", headers={"x-app-version": "5.0", "x-functions-key": "k"})
    assert allowed.status_code == 200 and len(CAPTURED) == before + 1
    assert CAPTURED[-1]["headers"][b"x-functions-key"] == b"k"  # type: ignore[index]


def test_forwarding_and_principal_headers_from_the_client_are_dropped(router: str) -> None:
    claimed = {
        "x-forwarded-for": "10.0.0.1",
        "X-Forwarded-Host": "evil.example",
        "x-forwarded-proto": "http",
        "forwarded": "for=10.0.0.1",
        "X-MS-CLIENT-PRINCIPAL": "eyJhZG1pbiI6dHJ1ZX0=",
        "x-ms-client-principal-name": "admin@contoso.com",
        "x-ms-client-principal-id": "0",
    }
    echoed = get(router, headers={"x-app-version": "1.1", "x-kept": "yes", **claimed}).json()
    assert echoed["headers"]["x-kept"] == "yes"
    assert not {name.lower() for name in claimed} & set(echoed["headers"])


@pytest.mark.parametrize(
    ("header", "query", "status"),
    [
        ("1.1", "1.0", 400),  # the app would start 1.0 in 1.1's app
        ("1.1", "2.0 ##vso[task.setvariable variable=app]x", 400),
        ("1.1", "1.1.5", 200),  # same major.minor: routed where the header says
    ],
)
def test_a_version_query_that_disagrees_with_the_header_is_refused(
    router: str, header: str, query: str, status: int
) -> None:
    response = get(router, headers={"x-app-version": header}, params={"version": query})
    assert response.status_code == status, response.text
    if status == 400:
        assert "version" in response.json()["error"]


def test_more_header_fields_than_the_functions_host_allows_is_431(router: str) -> None:
    many = b"".join(b"x-h%d: v\r\n" % n for n in range(101))
    status, body = raw_request(router, b"/api/orders", b"x-app-version: 1.1\r\n" + many)
    assert status == 431 and b"backend" not in body


def test_an_instance_id_longer_than_durabletask_accepts_is_refused(router: str) -> None:
    accepted = get(router, "/api/instances/" + "x" * 256)
    assert accepted.status_code == 404  # looked up: no such instance
    for too_long in ("x" * 257, "\U0001f600" * 129):  # 258 UTF-16 units, as .NET counts
        refused = get(router, "/api/instances/" + too_long)
        assert refused.status_code == 400 and "256" in refused.json()["error"]
    query = get(router, "/api/raise", params={"instanceId": "y" * 300})
    assert query.status_code == 400


def test_concurrent_requests_for_one_unknown_id_read_the_table_once(
    azurite: Azurite, router: str
) -> None:
    """200 requests about one id the router has not seen: one table read, whatever the
    answer; the store answers slowly so that every request arrives while it is read."""
    reads: list[str] = []

    def slow_counted(read: OwnerLookup) -> OwnerLookup:
        async def counted(instance_id: str) -> str | None:
            reads.append(instance_id)
            await asyncio.sleep(1.0)
            hub: str | None = await read(instance_id)
            return hub

        return counted

    app = own_router(azurite, slow_counted)

    async def burst(url: str, path: str) -> list[int]:
        limits = httpx.Limits(max_connections=200)
        async with httpx.AsyncClient(timeout=30, limits=limits) as client:
            answers = await asyncio.gather(*(client.get(url + path) for _ in range(200)))
        return [a.status_code for a in answers]

    with serve(app) as url:
        assert set(asyncio.run(burst(url, "/api/instances/old-1"))) == {200}
        assert set(asyncio.run(burst(url, "/api/instances/never-started"))) == {404}
    assert reads == ["old-1", "never-started"]


def host_request(target: str, headers: dict[str, str] | None = None) -> func.HttpRequest:
    """What the Python worker hands an HTTP function for `target` as the host forwards it:
    `url` = scheme://Host + Path + QueryString (azure-functions-host,
    GrpcMessageConversionExtensions.ToRpcHttp), where Path is Kestrel's once-decoded path
    (every %XX but %2F: aspnetcore UrlDecoder) written back by PathString.ToUriComponent
    (a character a path may not hold, `?` included, escaped again; a %XX triple kept). The
    targets below are written in that form; `params` is the decoded query, as the worker
    fills it (azure.functions.http.HttpRequestConverter.decode)."""
    url = "https://orders-router.azurewebsites.net" + target
    return func.HttpRequest(
        method="GET",
        url=url,
        headers=headers or {},
        params=dict(parse_qsl(urlsplit(url).query)),
        body=b"",
    )


def under_functions(
    app: Callable[[Router], func.FunctionRegister],
    router: Router,
    requests: list[func.HttpRequest],
) -> list[func.HttpResponse]:
    """Runs `requests` through the HTTP function `app` declares around `router`."""

    async def run() -> list[func.HttpResponse]:
        (function,) = app(router).get_functions()
        handler = function.get_user_function()
        try:
            return [await handler(req=request, context=None) for request in requests]
        finally:
            await router.close()

    return asyncio.run(run())


def asgi_function_app(router: Router) -> func.FunctionRegister:
    """What function_app.py declared before: azure-functions' own AsgiFunctionApp."""
    return func.AsgiFunctionApp(app=router, http_auth_level=func.AuthLevel.ANONYMOUS)


@pytest.mark.parametrize(
    ("target", "backend", "raw_path", "query"),
    [
        # The client sent /api/raise%3FinstanceId=old-1: a path, no query, no instance.
        ("/api/raise%3FinstanceId=old-1", "v11", "/api/raise%3FinstanceId=old-1", ""),
        # The client sent instances/new%2F1: Kestrel keeps %2F, the id is "new/1".
        ("/api/instances/new%2F1", "v11", "/api/instances/new%2F1", ""),
        # A real query is still a query.
        ("/api/raise?instanceId=old-1", "v10", "/api/raise", "instanceId=old-1"),
    ],
)
def test_under_functions_the_router_decides_once_on_the_path_it_forwards(
    azurite: Azurite, router: str, target: str, backend: str, raw_path: str, query: str
) -> None:
    (answer,) = under_functions(function_app, own_router(azurite), [host_request(target)])
    echoed = as_json(answer.get_body().decode())
    assert (echoed["backend"], echoed["raw_path"], echoed["query"]) == (backend, raw_path, query)


def test_asgi_function_app_decodes_twice_and_loses_instance_affinity(
    azurite: Azurite, router: str
) -> None:
    """Why function_app.py does not use AsgiFunctionApp: the same request through it
    reaches the current version with old-1's id in the query."""
    (answer,) = under_functions(
        asgi_function_app, own_router(azurite), [host_request("/api/raise%3FinstanceId=old-1")]
    )
    echoed = as_json(answer.get_body().decode())
    assert (echoed["backend"], echoed["query"]) == ("v11", "instanceId=old-1")


def test_uvicorns_access_log_never_shows_a_function_key(azurite: Azurite, router: str) -> None:
    """`uvicorn router.local:app` with its access log on, as a container runs it."""
    port = free_port()
    env = {
        **os.environ,
        ROUTER_STORAGE_SETTING: azurite.connection_string(SECRET_ACCOUNT.name),
        ROUTER_PREFIX_SETTING: PREFIX,
        ROUTER_PUBLIC_URL_SETTING: f"http://127.0.0.1:{port}",
        ROUTER_ALLOWED_HOSTS_SETTING: "http://127.0.0.1",
        "PYTHONPATH": str(ROOT),
    }
    command = [sys.executable, "-m", "uvicorn", "router.local:app", "--port", str(port)]
    with subprocess.Popen(
        command,
        cwd=ROOT / "apps" / "router",
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    ) as server:
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_answering(url)
            target = "/runtime/webhooks/durabletask/instances/old-1?taskHub=H&code=SYSTEMKEY%3D%3D"
            assert get(url, target).json()["backend"] == "v10"
        finally:
            server.terminate()
        log, _ = server.communicate(timeout=10)
    assert "instances/old-1?taskHub=H&code=***" in log, log
    assert "SYSTEMKEY" not in log
