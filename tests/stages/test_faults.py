"""The stages under a fault matrix: a fault proxy in front of a real Azurite.

Whatever the path to storage does (bursts of 503/429, a stall past the read timeout, a
body cut short or not JSON, a 404 from something that is not the Table service, an empty
first page with a continuation token), a read either gives the true answer or ends as
"cannot decide". Never a pass on a hub that was not read, never an exception.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from azure.data.tables import TableServiceClient

from scripts.stages.exits import Exit
from scripts.stages.gate import GateResult, GateSettings, run_gate
from standins.azurite import DEV_ACCOUNT, Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import AccountNotFoundError, StoreUnavailableError
from taskhub.hubs import TaskHub
from taskhub.routes import ROUTES_TABLE, Route, RouteStore
from taskhub.sources import HubAddress
from tests.support.fault_proxy import Fault, FaultProxy, Kind, fault_proxy, is_write, through
from tests.support.helpers import SECRET_ACCOUNT, Cli, gate_once, secret_account_connection


@pytest.fixture(scope="module")
def proxied(azurite: Azurite) -> Iterator[tuple[FaultProxy, str]]:
    """The proxy, and the URL it listens on."""
    with fault_proxy(azurite) as (proxy, url):
        yield proxy, url


@pytest.fixture
def conn(azurite: Azurite, proxied: tuple[FaultProxy, str]) -> str:
    """SECRET_ACCOUNT's connection string through the proxy."""
    return through(azurite, SECRET_ACCOUNT.name, proxied[1])


@pytest.fixture
def proxy(proxied: tuple[FaultProxy, str]) -> FaultProxy:
    proxied[0].faults.clear()
    proxied[0].seen.clear()
    return proxied[0]


def read_once(
    connection_string: str,
    hub: TaskHub,
    *,
    retries: int = 2,
    read_timeout: float = 5.0,
    allow_missing_hub: bool = False,
) -> GateResult:
    connection = StorageConnection.from_connection_string(connection_string)
    retry = RetrySettings(total=retries, backoff_factor=0.05, read_timeout=read_timeout)
    settings = GateSettings(timeout=0, stable_for=1, allow_missing_hub=allow_missing_hub)
    return run_gate(HubAddress(hub, connection), retry, settings)


@pytest.fixture
def busy(host: DurableHostSimulator) -> DurableHostSimulator:
    host.write(SimulatedInstance("done", "Flow", status="Completed"))
    host.write(SimulatedInstance("busy", "Flow", status="Running"))
    return host


@pytest.fixture
def drained(host: DurableHostSimulator) -> DurableHostSimulator:
    host.write(SimulatedInstance("done", "Flow", status="Completed"))
    return host


@pytest.mark.parametrize("status", [503, 429, 500])
def test_a_burst_within_the_retries_gives_the_true_answer(
    conn: str, proxy: FaultProxy, busy: DurableHostSimulator, status: int
) -> None:
    proxy.add(Fault(Kind.STATUS, times=2, status=status))
    result = read_once(conn, busy.hub, retries=3)
    assert result.exit is Exit.NOT_YET, result.error
    assert result.snapshot is not None
    assert [r.instance_id for r in result.snapshot.blocking] == ["busy"]


@pytest.mark.parametrize(
    "fault",
    [
        Fault(Kind.STATUS, times=20, status=503),
        Fault(Kind.STATUS, times=20, status=429),
        Fault(Kind.STALL, times=20, seconds=1.0),
        Fault(Kind.TRUNCATE, times=20),
        Fault(Kind.NOT_JSON, times=20),
    ],
    ids=["503", "429", "stall", "truncated", "not-json"],
)
def test_a_fault_that_outlasts_the_retries_is_cannot_decide_never_drained(
    conn: str, proxy: FaultProxy, drained: DurableHostSimulator, fault: Fault
) -> None:
    proxy.add(fault)
    result = read_once(conn, drained.hub, retries=1, read_timeout=0.3)
    assert result.exit is Exit.CANNOT_DECIDE and not result.drained
    assert isinstance(result.error, StoreUnavailableError), result.error


def test_a_single_stall_is_retried(
    conn: str, proxy: FaultProxy, busy: DurableHostSimulator
) -> None:
    proxy.add(Fault(Kind.STALL, times=1, seconds=1.0))
    result = read_once(conn, busy.hub, retries=2, read_timeout=0.3)
    assert result.exit is Exit.NOT_YET, result.error


def test_an_empty_first_page_with_a_continuation_is_followed(
    conn: str, proxy: FaultProxy, busy: DurableHostSimulator
) -> None:
    proxy.add(Fault(Kind.EMPTY_PAGE, times=1))
    result = read_once(conn, busy.hub)
    assert result.exit is Exit.NOT_YET, result.error
    assert result.snapshot is not None and len(result.snapshot.blocking) == 1
    # The empty page, then the rows, then the detail read of the instance that holds it.
    assert len([p for m, p in proxy.seen if m == "GET"]) == 3


def test_a_404_that_is_not_table_not_found_is_never_a_missing_hub(
    conn: str, proxy: FaultProxy, busy: DurableHostSimulator
) -> None:
    proxy.add(Fault(Kind.STATUS, times=5, status=404))
    result = read_once(conn, busy.hub, allow_missing_hub=True)
    assert result.exit is Exit.CANNOT_DECIDE and not result.hub_missing
    assert isinstance(result.error, AccountNotFoundError)
    assert SECRET_ACCOUNT.name in result.error.message


def test_an_account_that_does_not_exist_fails_the_gate_even_with_allow_missing_hub(
    cli: Cli, azurite: Azurite, busy: DurableHostSimulator
) -> None:
    nowhere = secret_account_connection(azurite, name="nosuchaccount")
    run = gate_once(cli, nowhere, busy.hub.name, "--allow-missing-hub", "--stable-for", "1")
    assert run.code == 2, run.output
    result = json.loads(run.stdout)
    assert result["hub_missing"] is False and result["drained"] is False
    assert result["error"]["type"] == "AccountNotFoundError"
    assert "'nosuchaccount'" in result["error"]["message"]
    assert SECRET_ACCOUNT.key not in run.output


def test_the_cli_under_a_burst_prints_one_json_object(
    cli: Cli, conn: str, proxy: FaultProxy, drained: DurableHostSimulator
) -> None:
    proxy.add(Fault(Kind.STATUS, times=50, status=503))
    run = cli(
        "gate", "--connection-string", conn, "--hub", drained.hub.name,
        "--timeout", "0", "--retries", "1", "--json",
    )  # fmt: skip
    assert run.code == 2, run.output
    assert json.loads(run.stdout)["error"]["type"] == "StoreUnavailableError"
    assert "Traceback" not in run.output


def _routes(service: TableServiceClient) -> dict[str, bool]:
    return {r.minor: r.current for r in RouteStore(service).load().routes.values()}


def test_set_current_is_one_batch_so_a_failed_write_never_leaves_two_current(
    cli: Cli, azurite: Azurite, proxied: tuple[FaultProxy, str], proxy: FaultProxy
) -> None:
    # Its own account: the router tests keep their route table in SECRET_ACCOUNT's.
    connection = through(azurite, DEV_ACCOUNT, proxied[1])
    service = TableServiceClient.from_connection_string(azurite.connection_string(DEV_ACCOUNT))
    service.delete_table(ROUTES_TABLE)
    store = RouteStore(service)
    store.save(
        Route("1.0", "a", "https://a.example", "1.0.3", "HubA", current=True),
        Route("1.1", "b", "https://b.example", "1.1.0", "HubB"),
    )
    # Every write after the first fails: a change written row by row would stop halfway.
    proxy.add(Fault(Kind.STATUS, times=50, status=500, when=is_write, skip=1))
    run = cli("routes", "set-current", "1.1", "--connection-string", connection, "--json")
    assert run.code == 0, run.output
    assert _routes(service) == {"1.0": False, "1.1": True}
    proxy.faults.clear()

    # A table left with two current versions (by hand) is reported, then repaired.
    store.save(Route("1.0", "a", "https://a.example", "1.0.3", "HubA", current=True))
    listed = cli("routes", "list", "--connection-string", connection, "--json")
    assert any("several versions" in w for w in json.loads(listed.stdout)["warnings"])
    repaired = cli("routes", "set-current", "1.1", "--connection-string", connection)
    assert repaired.code == 0, repaired.output
    assert _routes(service) == {"1.0": False, "1.1": True}
