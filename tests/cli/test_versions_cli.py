"""`versions` and `retire` against a real Azurite, tracking stores included."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from tests.support.helpers import SECRET_ACCOUNT, Cli, on_test_account
from tests.support.shared_store import shared_store

OLD = datetime.now(UTC) - timedelta(days=60)


@pytest.fixture
def mixed(host: DurableHostSimulator) -> DurableHostSimulator:
    """v1.0: one running (old), two completed; 2.0: one running; unversioned: one pending."""
    host.write(SimulatedInstance("a", "Order", "Running", "1.0", created=OLD))
    host.write(SimulatedInstance("b", "Order", "Completed", "1.0", created=OLD))
    host.write(SimulatedInstance("c", "Order", "Completed", "1.0", created=OLD))
    host.write(SimulatedInstance("d", "Order", "Running", "2.0"))
    host.write(SimulatedInstance("e", "Order", "Pending", None))
    return host


def test_report_per_version_and_status(
    cli: Cli, azurite: Azurite, mixed: DurableHostSimulator
) -> None:
    run = on_test_account(cli, azurite, "versions", "--hub", mixed.hub.name)
    assert run.code == 0, run.output
    report = json.loads(run.stdout)
    versions = report["hubs"][mixed.hub.name]
    assert versions["1.0"]["total"] == 3 and versions["1.0"]["unfinished"] == 1
    assert versions["1.0"]["by_status"] == {"Completed": 2, "Running": 1}
    assert versions["1.0"]["oldest_unfinished"]["instance_id"] == "a"
    assert versions[""]["unfinished"] == 1 and versions["2.0"]["unfinished"] == 1
    assert report["rollout"] is None


@pytest.mark.parametrize(
    ("worker", "strategy", "failure", "code", "counts"),
    [
        ("2.0", "CurrentOrOlder", "Reject", 0, (3, 0, 0)),
        ("1.0", "CurrentOrOlder", "Reject", 1, (2, 1, 0)),  # 2.0 is newer than the workers
        ("2.0", "Strict", "Fail", 1, (1, 0, 2)),
        ("1.5", "None", "Reject", 0, (3, 0, 0)),
    ],
)
def test_rollout_question(
    cli: Cli,
    azurite: Azurite,
    mixed: DurableHostSimulator,
    worker: str,
    strategy: str,
    failure: str,
    code: int,
    counts: tuple[int, int, int],
) -> None:
    run = on_test_account(
        cli,
        azurite,
        "versions",
        "--hub",
        mixed.hub.name,
        "--worker-version",
        worker,
        "--match-strategy",
        strategy,
        "--failure-strategy",
        failure,
    )
    assert run.code == code, run.output
    rollout = json.loads(run.stdout)["rollout"]
    assert (rollout["process"], rollout["reject"], rollout["fail"]) == counts
    assert rollout["safe"] is (code == 0)


def test_all_hubs_of_a_tracking_store(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    prefix = f"Routes{hub_name}"
    v1, v2 = shared_store(service, prefix, f"{hub_name}v10", f"{hub_name}v11")
    v1.write(SimulatedInstance("x", "Order", "Running", "1.0.3"))
    v2.write(SimulatedInstance("y", "Order", "Completed", "1.1.0"))
    run = on_test_account(cli, azurite, "versions", "--tracking-prefix", prefix, "--all-hubs")
    assert run.code == 0, run.output
    hubs = json.loads(run.stdout)["hubs"]
    assert hubs[v1.hub.name]["1.0.3"]["unfinished"] == 1
    assert hubs[v2.hub.name]["1.1.0"]["by_status"] == {"Completed": 1}
    one = on_test_account(
        cli, azurite, "versions", "--tracking-prefix", prefix, "--hub", v2.hub.name
    )
    assert list(json.loads(one.stdout)["hubs"]) == [v2.hub.name]


def test_versions_errors_exit_2(cli: Cli, azurite: Azurite, hub_name: str) -> None:
    assert on_test_account(cli, azurite, "versions", "--hub", f"{hub_name}none").code == 2
    assert on_test_account(cli, azurite, "versions", "--hub", hub_name, "--all-hubs").code == 2
    bad = on_test_account(
        cli,
        azurite,
        "versions",
        "--hub",
        hub_name,
        "--worker-version",
        "1",
        "--match-strategy",
        "Newest",
    )
    assert bad.code == 2 and "Newest" in bad.stdout


def test_retire_waits_for_unfinished_and_recent(
    cli: Cli, azurite: Azurite, mixed: DurableHostSimulator
) -> None:
    not_yet = on_test_account(cli, azurite, "retire", "--hub", mixed.hub.name, "--version", "1.0")
    assert not_yet.code == 1, not_yet.output
    assert "unfinished" in json.loads(not_yet.stdout)["reasons"][0]
    mixed.transition("a", "Completed")
    safe = on_test_account(cli, azurite, "retire", "--hub", mixed.hub.name, "--version", "1.0")
    assert safe.code == 0, safe.output
    recent = on_test_account(cli, azurite, "retire", "--hub", mixed.hub.name, "--version", "2.0")
    mixed.transition("d", "Completed")
    still_recent = on_test_account(
        cli, azurite, "retire", "--hub", mixed.hub.name, "--version", "2.0"
    )
    assert recent.code == 1 and still_recent.code == 1
    assert "retention" in json.loads(still_recent.stdout)["reasons"][0]
    shorter = on_test_account(
        cli, azurite, "retire", "--hub", mixed.hub.name, "--version", "2.0", "--retention", "0"
    )
    assert shorter.code == 0


def test_retire_records_and_lists_the_ledger(
    cli: Cli, azurite: Azurite, service: TableServiceClient, mixed: DurableHostSimulator
) -> None:
    empty = on_test_account(cli, azurite, "retire", "--hub", mixed.hub.name, "--history")
    assert empty.code == 0 and json.loads(empty.stdout)["history"] == []
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    recorded = cli(
        "retire",
        "--hub",
        mixed.hub.name,
        "--version",
        "1.0",
        "--record",
        "--connection-string",
        conn,
        "--json",
        env={"GITHUB_ACTOR": "octocat", "GITHUB_RUN_ID": "42"},
    )
    assert recorded.code == 1
    mixed.transition("a", "Completed")
    assert (
        on_test_account(
            cli, azurite, "retire", "--hub", mixed.hub.name, "--version", "1.0", "--record"
        ).code
        == 0
    )
    history = json.loads(
        on_test_account(cli, azurite, "retire", "--hub", mixed.hub.name, "--history").stdout
    )
    verdicts = [(e["version"], e["verdict"]) for e in history["history"]]
    assert verdicts == [("1.0", "safe"), ("1.0", "not-yet")]  # newest first
    assert history["history"][1]["recorded_by"] == "octocat"
    assert history["history"][1]["run"] == "42"


def test_retire_never_says_safe_on_a_read_error(cli: Cli, azurite: Azurite, hub_name: str) -> None:
    run = on_test_account(cli, azurite, "retire", "--hub", f"{hub_name}typo", "--version", "1.0")
    assert run.code == 2
    assert json.loads(run.stdout)["error"]["kind"] == "HubNotFoundError"
    assert on_test_account(cli, azurite, "retire", "--hub", hub_name).code == 2  # no --version


def test_retire_per_hub_in_a_shared_tracking_store(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    prefix = f"Retire{hub_name}"
    busy, done = shared_store(service, prefix, f"{hub_name}busy", f"{hub_name}done")
    busy.write(SimulatedInstance("b1", "Order", "Running", "1.0", created=OLD))
    done.write(SimulatedInstance("d1", "Order", "Completed", "1.0", created=OLD))
    common = ("--tracking-prefix", prefix, "--version", "1.0")
    assert on_test_account(cli, azurite, "retire", "--hub", busy.hub.name, *common).code == 1
    safe = on_test_account(cli, azurite, "retire", "--hub", done.hub.name, *common)
    assert safe.code == 0, safe.output
    assert json.loads(safe.stdout)["total"] == 1
