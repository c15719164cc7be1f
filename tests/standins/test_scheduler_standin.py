"""The scheduler stand-in's own contract, seen through durabletask's client and raw stubs
(not through the toolkit), so the toolkit's tests rest on a stand-in that does what it says."""

from __future__ import annotations

from collections.abc import Iterator

import grpc
import pytest
from durabletask.internal import orchestrator_service_pb2 as pb
from durabletask.internal import orchestrator_service_pb2_grpc as stubs

from standins.scheduler.scenarios import drained_hub
from standins.scheduler.server import Address, SchedulerStandIn
from standins.scheduler.worker import hub_client, running_worker

HUB = "orders"


@pytest.fixture
def served() -> Iterator[tuple[SchedulerStandIn, Address]]:
    stand_in = SchedulerStandIn([HUB], page_cap=2, tokens=["good-token-1"], denied=["no-role-1"])
    address = stand_in.start()
    with running_worker(address.plain, HUB, token="good-token-1"):
        drained_hub(hub_client(address.plain, HUB, token="good-token-1"), count=3)
    yield stand_in, address
    stand_in.stop()


def query(
    address: Address, metadata: list[tuple[str, str]], count: int = 0
) -> pb.QueryInstancesResponse:
    with grpc.insecure_channel(address.plain) as channel:
        stub = stubs.TaskHubSidecarServiceStub(channel)  # type: ignore[no-untyped-call]
        request = pb.QueryInstancesRequest(query=pb.InstanceQuery(maxInstanceCount=count))
        response: pb.QueryInstancesResponse = stub.QueryInstances(request, metadata=metadata)
        return response


def code_of(address: Address, metadata: list[tuple[str, str]]) -> grpc.StatusCode:
    with pytest.raises(grpc.RpcError) as caught:
        query(address, metadata)
    code: grpc.StatusCode = caught.value.code()
    return code


def test_pages_are_capped_and_carry_a_token(served: tuple[SchedulerStandIn, Address]) -> None:
    _, address = served
    page = query(address, [("taskhub", HUB), ("authorization", "Bearer good-token-1")])
    assert len(page.orchestrationState) == 2 and page.continuationToken.value


def test_versions_are_left_out_unless_asked(served: tuple[SchedulerStandIn, Address]) -> None:
    stand_in, address = served
    good = [("taskhub", HUB), ("authorization", "Bearer good-token-1")]
    assert not any(s.HasField("version") for s in query(address, good, 10).orchestrationState)
    stand_in.fill_versions = True
    assert {s.version.value for s in query(address, good, 10).orchestrationState} == {"1.0"}


def test_the_hub_and_the_token_are_checked(served: tuple[SchedulerStandIn, Address]) -> None:
    _, address = served
    token = ("authorization", "Bearer good-token-1")
    assert code_of(address, [("taskhub", "ordres"), token]) == grpc.StatusCode.NOT_FOUND
    assert code_of(address, [("taskhub", HUB)]) == grpc.StatusCode.UNAUTHENTICATED
    assert code_of(address, [("taskhub", HUB), ("authorization", "Bearer forged")]) == (
        grpc.StatusCode.UNAUTHENTICATED
    )
    assert code_of(address, [("taskhub", HUB), ("authorization", "Bearer no-role-1")]) == (
        grpc.StatusCode.PERMISSION_DENIED
    )


def test_outages_are_counted_down(served: tuple[SchedulerStandIn, Address]) -> None:
    stand_in, address = served
    good = [("taskhub", HUB), ("authorization", "Bearer good-token-1")]
    stand_in.faults.unavailable["QueryInstances"] = 1
    assert code_of(address, good) == grpc.StatusCode.UNAVAILABLE
    assert len(query(address, good).orchestrationState) == 2
