"""Ramping a version under uvicorn: share of new starts by client key, nothing else moves."""

from __future__ import annotations

import asyncio
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace

import azure.functions as func
import httpx
import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.routes import Route, RouteStore, RouteTable
from tests.support.checkout import ROOT
from tests.support.helpers import SECRET_ACCOUNT, async_service
from tests.support.servers import as_json, echo_backend, serve

sys.path.insert(0, str(ROOT / "apps" / "router"))

from router.app import Router, create_app
from router.functions_host import CLIENT_ADDRESS_HEADER, function_app
from router.hosts import AllowedHosts
from router.routing import decide, ramp_bucket
from router.store import instance_owner, route_loader

PREFIX = "RampTest"
KEYS = [f"client-{n}" for n in range(1000)]


@pytest.fixture(scope="module")
def ramp_azurite() -> Iterator[Azurite]:
    # An Azurite of its own: the route table is one per account, other modules write theirs.
    with Azurite((SECRET_ACCOUNT,)) as azurite:
        yield azurite


def ramp_router(azurite: Azurite, client_address_header: str | None = None) -> Router:
    service = TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name)
    )
    owners = async_service(azurite)
    return create_app(
        route_loader(service),
        instance_owner(owners, f"{PREFIX}Instances"),
        public_url="https://router.example",
        allowed_hosts=AllowedHosts(["http://127.0.0.1"]),
        refresh=0.3,
        client_address_header=client_address_header,
        on_shutdown=owners.close,
    )


@pytest.fixture(scope="module")
def ramped(ramp_azurite: Azurite) -> Iterator[tuple[str, RouteStore, list[Route]]]:
    service = TableServiceClient.from_connection_string(
        ramp_azurite.connection_string(SECRET_ACCOUNT.name)
    )
    store = RouteStore(service)
    with serve(echo_backend("v10")) as v10, serve(echo_backend("v11")) as v11:
        routes = [
            Route("1.0", "orders-v1-0", v10, "1.0.3", "RampV10", current=True),
            Route("1.1", "orders-v1-1", v11, "1.1.0", "RampV11", ramp=20),
        ]
        store.save(*routes)
        host = DurableHostSimulator(service, TaskHub("RampV10", tracking_prefix=PREFIX))
        host.create_hub()
        host.write(SimulatedInstance("old-order", "ProcessOrder", "Running"))
        with serve(ramp_router(ramp_azurite)) as url:
            yield url, store, routes


def backend_for(client: httpx.Client, url: str, key: str, path: str = "/api/orders") -> str:
    response = client.post(url + path, headers={"x-client-id": key}, content=b"{}")
    assert response.status_code == 200, response.text
    backend: str = as_json(response.text)["backend"]
    return backend


@pytest.mark.slow
def test_the_ramp_takes_its_share_of_new_starts_and_each_client_stays(
    ramped: tuple[str, RouteStore, list[Route]],
) -> None:
    url = ramped[0]
    with httpx.Client(timeout=10) as client:
        seen = {key: backend_for(client, url, key) for key in KEYS}
        share = Counter(seen.values())["v11"] / len(KEYS)
        assert 0.16 <= share <= 0.24, share
        # The same key, asked again, lands where it landed: one client sees one version.
        for key in KEYS[:100]:
            assert backend_for(client, url, key) == seen[key]
        # The split is the documented hash, not chance: bucket < percent is the ramp.
        assert all((seen[k] == "v11") == (ramp_bucket(k) < 20) for k in KEYS)
        # Without x-client-id the client address is the key: one answer for this host.
        plain = {as_json(client.get(url + "/api/orders").text)["backend"] for _ in range(5)}
        assert plain == {"v11" if ramp_bucket("127.0.0.1") < 20 else "v10"}


def test_a_ramp_never_takes_instance_affine_or_explicit_requests(
    ramped: tuple[str, RouteStore, list[Route]],
) -> None:
    url = ramped[0]
    ramp_keys = [k for k in KEYS if ramp_bucket(k) < 20][:50]
    assert ramp_keys
    with httpx.Client(timeout=10) as client:
        for key in ramp_keys:
            path = "/runtime/webhooks/durabletask/instances/old-order"
            assert backend_for(client, url, key, path) == "v10"
            assert backend_for(client, url, key, "/api/raise?instanceId=old-order") == "v10"
            pinned = client.get(
                url + "/api/orders", headers={"x-client-id": key, "x-app-version": "1.0"}
            )
            assert as_json(pinned.text)["backend"] == "v10"


def test_the_router_applies_a_changed_ramp_on_its_next_refresh(
    ramped: tuple[str, RouteStore, list[Route]],
) -> None:
    url, store, (_current, ramping) = ramped
    try:
        store.save(replace(ramping, ramp=60))
        time.sleep(0.6)
        with httpx.Client(timeout=10) as client:
            seen = {key: backend_for(client, url, key) for key in KEYS[:400]}
        assert 0.54 <= Counter(seen.values())["v11"] / 400 <= 0.66
        # Raising the ramp only adds clients: everyone on 1.1 at 20% still is at 60%.
        assert all(seen[k] == "v11" for k in KEYS[:400] if ramp_bucket(k) < 20)
    finally:
        store.save(ramping)
        time.sleep(0.6)


def test_several_ramps_written_by_hand_apply_none() -> None:
    table = RouteTable.of(
        [
            Route("1.0", "a", "http://a", "1.0.0", "A", current=True),
            Route("1.1", "b", "http://b", "1.1.0", "B", ramp=50),
            Route("1.2", "c", "http://c", "1.2.0", "C", ramp=50),
        ]
    )
    assert [r.minor for r in table.ramping] == ["1.1", "1.2"]

    async def nobody(_instance_id: str) -> str | None:
        return None

    chosen = {
        asyncio.run(decide(table, "/api/orders", {}, None, nobody, key)).route.minor
        for key in KEYS[:100]
    }
    assert chosen == {"1.0"}
    with pytest.raises(ValueError, match="RampPercent"):
        Route.from_entity({**table.routes["1.1"].to_entity(), "RampPercent": 101})
    with pytest.raises(ValueError, match="RampPercent"):
        Route.from_entity({**table.routes["1.1"].to_entity(), "RampPercent": "10"})
    # A row written before ramps existed has no RampPercent: no ramp.
    entity = table.routes["1.1"].to_entity()
    del entity["RampPercent"]
    assert Route.from_entity(entity).ramp == 0


ADDRESSES = [f"203.0.{n // 250}.{n % 250}" for n in range(1000)]


def test_under_functions_clients_without_an_id_spread_by_the_platforms_address(
    ramp_azurite: Azurite, ramped: tuple[str, RouteStore, list[Route]]
) -> None:
    """App Service's front end sets `client-ip` (address:port) on every request and
    overwrites a client's (Azure/app-service-linux-docs, Things_You_Should_Know/headers.md);
    AsgiFunctionApp's scope has no client at all, so without it every caller shared one
    bucket and a 20% ramp was 0% or 100%."""
    requests = [
        func.HttpRequest(
            method="POST",
            url="https://orders-router.azurewebsites.net/api/orders",
            headers={"client-ip": f"{address}:{40000 + n}"},
            params={},
            body=b"{}",
        )
        for n, address in enumerate(ADDRESSES)
    ]

    async def run(router: Router) -> list[str]:
        (function,) = function_app(router).get_functions()
        handler = function.get_user_function()
        try:
            answers = [await handler(req=r, context=None) for r in requests]
        finally:
            await router.close()
        return [as_json(a.get_body().decode())["backend"] for a in answers]

    seen = asyncio.run(run(ramp_router(ramp_azurite, CLIENT_ADDRESS_HEADER)))
    assert 0.16 <= seen.count("v11") / len(seen) <= 0.24
    # The port is not part of the key: one address is one client, on every connection.
    assert all((b == "v11") == (ramp_bucket(a) < 20) for a, b in zip(ADDRESSES, seen, strict=True))


def test_under_uvicorn_a_client_sent_platform_header_moves_nobody(
    ramped: tuple[str, RouteStore, list[Route]],
) -> None:
    """Outside App Service nothing overwrites `client-ip`: the peer address decides."""
    url = ramped[0]
    with httpx.Client(timeout=10) as client:
        seen = {
            as_json(client.get(url + "/api/orders", headers={"client-ip": a}).text)["backend"]
            for a in ADDRESSES[:50]
        }
    assert seen == {"v11" if ramp_bucket("127.0.0.1") < 20 else "v10"}
