"""`versions --watch --until-drained` against a real Azurite, rows written as DurableTask does."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from scripts.stages.watch import changes_between
from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.drain import version_or_older
from taskhub.instances import InstanceRecord
from tests.support.fake_clock import DrivenClock
from tests.support.helpers import SECRET_ACCOUNT, WRONG_KEY, Cli, Run, secret_account_connection

FAST = ("--interval", "0.3", "--stable-for", "2")
# Every wait here runs on driven time (tests/support/fake_clock.py).
pytestmark = pytest.mark.usefixtures("fake_clock")


def watch(
    cli: Cli, azurite: Azurite, hub: str, version: str, *extra: str, timeout: str = "20"
) -> Run:
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    return cli(
        "versions",
        "--hub",
        hub,
        "--connection-string",
        conn,
        "--watch",
        "--until-drained",
        version,
        "--timeout",
        timeout,
        *FAST,
        *extra,
        "--json",
    )


def _watch_stepwise(
    cli: Cli,
    azurite: Azurite,
    hub: str,
    version: str,
    steps: dict[int, Callable[[], None]],
    time: DrivenClock,
) -> Run:
    """Run the watch, doing `steps[n]` between its n-th read and the next, on driven time."""
    interval = 1.0
    for read, step in steps.items():
        time.after((read - 0.5) * interval, step)
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    args = ["versions", "--hub", hub, "--connection-string", conn, "--watch"]
    args += ["--until-drained", version, "--interval", str(interval), "--stable-for", "2"]
    return cli(*args, "--json")


def test_a_rolling_update_is_followed_to_its_drained_exit(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, fake_clock: DrivenClock
) -> None:
    # Old workers (1.0) still run two instances, one unversioned; new workers (2.0) start.
    host.write(SimulatedInstance("old-1", "ProcessOrder", "Running", "1.0"))
    host.write(SimulatedInstance("old-2", "ProcessOrder", "Suspended", None))
    host.write(SimulatedInstance("new-1", "ProcessOrder", "Running", "2.0"))

    def first() -> None:
        host.transition("old-1", "Completed")
        host.write(SimulatedInstance("new-2", "ProcessOrder", "Pending", "2.0"))

    run = _watch_stepwise(
        cli,
        azurite,
        host.hub.name,
        "1.0",
        {
            1: first,
            2: lambda: host.transition("old-2", "Running"),
            3: lambda: host.transition("old-2", "Completed"),
        },
        fake_clock,
    )
    assert run.code == 0, run.output
    result = json.loads(run.stdout)
    assert result["drained"] is True and result["outcome"] == "drained"
    assert result["not_finished"] == 0 and result["stable_reads"] == 2
    # New-version work keeps running; it never held the watch.
    assert result["by_version"] == {"2.0": {"Pending": 1, "Running": 1}}
    changes = [c for read in result["timeline"] for c in read["changes"]]
    assert {"instance_id": "old-1", "version": "1.0", "before": "Running", "after": None} in (
        changes
    )
    assert {"instance_id": "new-2", "version": "2.0", "before": None, "after": "Pending"} in (
        changes
    )
    assert any(c["instance_id"] == "old-2" and c["after"] == "Running" for c in changes)
    assert result["timeline"][0]["blocking"] == 2
    assert "since last read" in run.stderr and "old-1 (1.0) finished" in run.stderr


def test_the_watch_times_out_while_old_work_runs(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("old-1", "ProcessOrder", "Running", "1.0"))
    host.write(SimulatedInstance("newer", "ProcessOrder", "Running", "1.0.0"))  # 1.0 < 1.0.0
    run = watch(cli, azurite, host.hub.name, "1.0", timeout="1")
    assert run.code == 1, run.output
    result = json.loads(run.stdout)
    assert result["outcome"] == "timeout" and result["not_finished"] == 1
    assert [i["instance_id"] for i in result["instances"]] == ["old-1"]


@pytest.mark.parametrize(
    ("version", "until", "status", "code"),
    [
        ("10", "9", "Running", 1),  # "10" < "9" as DurableTask compares them: still old work
        ("9.1", "9.0", "Running", 0),  # newer than 9.0
        ("1.0", "1.0", "Rewinding", 1),  # a status we do not know counts as unfinished
        ("1.0", "1.0", "ContinuedAsNew", 1),
        ("1.0", "1.0", "Terminated", 0),
    ],
)
def test_versions_compare_as_dotnet_and_unknown_statuses_hold(
    cli: Cli,
    azurite: Azurite,
    host: DurableHostSimulator,
    version: str,
    until: str,
    status: str,
    code: int,
) -> None:
    host.write(SimulatedInstance("x", "ProcessOrder", status, version))
    run = watch(cli, azurite, host.hub.name, until, timeout="1")
    assert run.code == code, run.output


def test_cannot_decide_fails_closed(cli: Cli, azurite: Azurite, hub_name: str) -> None:
    missing = watch(cli, azurite, hub_name, "1.0")
    assert missing.code == 2, missing.output
    assert json.loads(missing.stdout)["error"]["kind"] == "HubNotFoundError"
    allowed = watch(cli, azurite, hub_name, "1.0", "--allow-missing-hub")
    assert allowed.code == 0, allowed.output
    assert json.loads(allowed.stdout)["warnings"]
    wrong_key = secret_account_connection(azurite, key=WRONG_KEY)
    denied = cli(
        "versions", "--hub", hub_name, "--connection-string", wrong_key, "--watch",
        "--until-drained", "1.0", "--json",
    )  # fmt: skip
    assert denied.code == 2, denied.output
    assert SECRET_ACCOUNT.key not in denied.output


@pytest.mark.parametrize(
    "args",
    [
        ("--until-drained", "1.0"),  # without --watch
        ("--watch",),  # without a version
        ("--watch", "--until-drained", "1.0", "--worker-version", "2.0"),
    ],
)
def test_bad_watch_arguments_exit_2(
    cli: Cli, azurite: Azurite, hub_name: str, args: tuple[str, ...]
) -> None:
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    run = cli("versions", "--hub", hub_name, "--connection-string", conn, *args, "--json")
    assert run.code == 2, run.output
    assert json.loads(run.stdout)["error"]["fix"]


def _record(instance_id: str, version: str, status: str) -> InstanceRecord:
    return InstanceRecord(instance_id, "P", version, status, None, None, "h", False)


def test_changes_and_the_version_predicate() -> None:
    before = [_record("a", "1.0", "Running"), _record("b", "1.0", "Pending")]
    after = [_record("b", "1.0", "Running"), _record("c", "2.0", "Pending")]
    found: list[Any] = [(c.instance_id, c.before, c.after) for c in changes_between(before, after)]
    assert found == [("a", "Running", None), ("b", "Pending", "Running"), ("c", None, "Pending")]
    records = [_record("u", "", "Running"), _record("v", "1.0.0", "Running")]
    assert [r.instance_id for r in version_or_older(records, "1.0")] == ["u"]


def test_a_version_never_recorded_passes_with_a_warning_naming_the_recorded_ones(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    """`1.O` for `1.0` is not at or below any running version, so nothing holds it: the pass
    must not read as "1.0 drained" without a word (retire refuses such a version)."""
    host.write(SimulatedInstance("old-1", "ProcessOrder", "Running", "1.0"))
    host.write(SimulatedInstance("new-1", "ProcessOrder", "Running", "2.0"))
    typo = watch(cli, azurite, host.hub.name, "0.9")
    assert typo.code == 0, typo.output
    (warning,) = json.loads(typo.stdout)["warnings"]
    assert "'0.9' was ever recorded" in warning and "'1.0', '2.0'" in warning
    host.transition("old-1", "Completed")
    drained = watch(cli, azurite, host.hub.name, "1.0")
    assert drained.code == 0, drained.output
    assert json.loads(drained.stdout)["warnings"] == []


def test_a_row_without_runtime_status_holds_the_watch_and_is_listed(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    """DurableTask always writes RuntimeStatus (AzureTableTrackingStore
    SetNewExecutionAsync); a row without one cannot be judged finished."""
    for i in range(3):
        host.write(SimulatedInstance(f"new-{i}", "ProcessOrder", "Running", "1.0"))
    row = host.row(SimulatedInstance("mystery", "ProcessOrder", "Completed", "1.0"))
    row.pop("RuntimeStatus")
    host.table.upsert_entity(row)
    run = watch(cli, azurite, host.hub.name, "1.0", "--show", "1", timeout="1")
    assert run.code == 1, run.output
    unreadable = json.loads(run.stdout)["unreadable"]
    assert unreadable["count"] == 1
    assert unreadable["instances"][0]["instance_id"] == "mystery"
