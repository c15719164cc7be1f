"""`replay-check` exactly as strict as DurableTask, over histories written by hand from the
DurableTask.AzureStorage / DurableTask.Core / extension sources (tests/support/durabletask_rows.py
cites them), into a real Azurite, judged by the CLI run as a process."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import Azurite
from taskhub.hubs import TaskHub
from tests.support.durabletask_rows import (
    changed,
    completed,
    failed,
    fired,
    flow,
    flows_with_started,
    large_messages,
    retry_history,
    scheduled,
    timer,
    unchanged_cases,
    write,
)
from tests.support.helpers import SECRET_ACCOUNT, Cli, replay_check

PROGRAMS = "tests.support.replay_programs"


def by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["instance_id"]: i for i in result["instances"]}


def code(name: str) -> list[str]:
    return ["--function", f"{PROGRAMS}:{name}", "--name", "Flow"]


def test_unchanged_code_passes_every_case_durabletask_passes(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    cases = unchanged_cases()
    write(service, TaskHub(hub_name), cases)
    run, result = replay_check(cli, azurite, hub_name, *code("unchanged"))
    found = {
        i: (r["outcome"], r["position"], r["history"], r["code"]) for i, r in by_id(result).items()
    }
    expected = {c.instance_id: ("ok", None, None, None) for c in cases}
    for waiting in ("pending", "reused-pending"):
        expected[waiting] = ("not-started", None, None, None)
    assert found == expected, run.output
    assert run.code == 0, run.output
    one_at_a_time, again = replay_check(
        cli, azurite, hub_name, *code("unchanged"), "--concurrency", "1"
    )
    assert one_at_a_time.code == 0
    assert again["instances"] == result["instances"], "reads finish in any order; reports do not"
    assert by_id(result)["retry-exhausted"]["recorded_steps"] == 7


@pytest.mark.parametrize(
    ("variant", "step", "recorded", "emitted"),
    [
        ("renamed", 0, ("TaskScheduled", "Validate"), ("TaskScheduled", "Check")),
        ("reordered_task_any", 2, ("TaskScheduled", "QuoteA"), ("TaskScheduled", "QuoteB")),
        ("inserted", 1, ("TimerCreated", None), ("TaskScheduled", "Audit")),
        ("timer_removed", 1, ("TimerCreated", None), ("TaskScheduled", "QuoteA")),
        ("timer_replaced_by_activity", 1, ("TimerCreated", None), ("TaskScheduled", "Wait")),
        ("entity_call_replaced", 4, ("EventSent", "op"), ("TaskScheduled", "AddToLedger")),
        ("entity_call_removed", 4, ("EventSent", "op"), ("TaskScheduled", "Ship")),
    ],
)
def test_each_edit_is_nondeterministic_at_the_step_durabletask_names(
    cli: Cli,
    azurite: Azurite,
    service: TableServiceClient,
    hub_name: str,
    variant: str,
    step: int,
    recorded: tuple[str, str | None],
    emitted: tuple[str, str | None],
) -> None:
    write(service, TaskHub(hub_name), [flow()])
    run, result = replay_check(cli, azurite, hub_name, *code(variant))
    assert run.code == 1, run.output
    found = by_id(result)["flow-1"]
    assert found["outcome"] == "nondeterministic"
    assert found["position"] == step
    assert found["history"] == {"event": recorded[0], "name": recorded[1]}
    assert found["code"] == {"event": emitted[0], "name": emitted[1]}


@pytest.mark.parametrize("variant", ["renamed_case_only", "entity_operation_renamed"])
def test_edits_durabletask_does_not_see_pass(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str, variant: str
) -> None:
    """No stricter than DurableTask: names compare OrdinalIgnoreCase, and every entity
    operation is an EventSent named "op"."""
    write(service, TaskHub(hub_name), [flow()])
    run, result = replay_check(cli, azurite, hub_name, *code(variant))
    assert run.code == 0, run.output
    assert by_id(result)["flow-1"]["outcome"] == "ok"


def test_a_strange_row_makes_one_instance_unreadable_not_the_command_abort(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    hub = TaskHub(hub_name)
    container = large_messages(azurite.connection_string(SECRET_ACCOUNT.name), hub)
    # Named as DurableTask names the ExecutionStarted row's Input blob (taskhub/history.py).
    blob = "{}/history-0000000000000001-ExecutionStarted-Input.json.gz".format
    container.upload_blob(blob("bad-gzip"), b"plain text, not gzip")
    container.upload_blob(blob("bad-utf8"), gzip.compress("caf\xe9".encode("latin-1")))
    damaged = {
        "bad-rowkey": {"RowKey": "not-hex"},
        "bad-json": {"OrchestrationInstance": "{not json"},
        "bad-gzip": {"Input": "", "InputBlobName": blob("bad-gzip")},
        "bad-utf8": {"Input": "", "InputBlobName": blob("bad-utf8")},
        "missing-blob": {"Input": "", "InputBlobName": blob("missing-blob")},
    }
    cases = flows_with_started(damaged)
    cases.append(changed(flow("anonymous", "e-anon"), name=None))
    for row in cases[-1].history_rows():
        if row["EventType"] == "ExecutionStarted":
            row.pop("Name")
            cases[-1].extra_rows = [row]
    write(service, hub, cases)
    run, result = replay_check(cli, azurite, hub_name, "--function", f"{PROGRAMS}:unchanged")
    assert run.code == 2, run.output
    found = by_id(result)
    assert found["flow-1"]["outcome"] == "ok"
    reasons = {i: r["reason"] for i, r in found.items() if r["outcome"] == "unreadable"}
    assert set(reasons) == {*damaged, "anonymous"}, run.output
    assert "not-hex" in reasons["bad-rowkey"]
    assert "OrchestrationInstance" in reasons["bad-json"]
    assert "not gzipped" in reasons["bad-gzip"] and "not gzipped" in reasons["bad-utf8"]
    assert "does not exist" in reasons["missing-blob"]
    assert "names an orchestrator" in reasons["anonymous"]
    assert result["unreadable"] == len(reasons)


def test_prefix_mode_catches_an_edit_on_a_path_only_completed_instances_took(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    """Two payments exhausted their retries and completed through Refund last week; no
    instance is on that path now. Renaming Refund breaks any that will be."""
    finished = []
    for instance_id in ("done-1", "done-2"):
        case = retry_history(
            instance_id,
            f"e-{instance_id}",
            [failed(0), timer(1)],
            [fired(1), scheduled(2, "Charge")],
            [failed(2), timer(3)],
            [fired(3), scheduled(4, "Charge")],
            [failed(4), timer(5, minutes=0)],
            [fired(5), scheduled(6, "Refund")],
            [completed(6), scheduled(7, "Ship")],
            [
                completed(7),
                ("ExecutionCompleted", {"OrchestrationStatus": "Completed", "Result": '"ok"'}),
            ],
        )
        case.status = "Completed"
        finished.append(case)
    write(service, TaskHub(hub_name), [flow(), *finished])
    in_flight_only, result = replay_check(cli, azurite, hub_name, *code("refund_renamed"))
    assert in_flight_only.code == 0, "nothing in flight is on that path"
    run, result = replay_check(
        cli, azurite, hub_name, *code("refund_renamed"), "--completed-since", "7d"
    )
    assert run.code == 1, run.output
    completed_report = result["completed"]
    assert completed_report["histories"] == 2
    assert completed_report["prefixes"] == 2 * 9
    assert completed_report["findings"] == [
        {
            "orchestrator": "Flow",
            "version": "1.0",
            "step": 6,
            "recorded": {"event": "TaskScheduled", "name": "Refund"},
            "emitted": {"event": "TaskScheduled", "name": "Reimburse"},
            "example_instance": completed_report["findings"][0]["example_instance"],
            "instances": 2,
        }
    ]
    assert completed_report["findings"][0]["example_instance"] in ("done-1", "done-2")
    unchanged_run, result = replay_check(
        cli, azurite, hub_name, *code("unchanged"), "--completed-since", "7d"
    )
    assert unchanged_run.code == 0, unchanged_run.output
    assert result["completed"]["findings"] == []


def test_prefix_mode_takes_the_newest_n_per_version(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    finished = []
    for n in range(3):
        case = flow(f"done-{n}", f"e-{n}")
        case.status = "Completed"
        finished.append(case)
    write(service, TaskHub(hub_name), finished)
    run, result = replay_check(
        cli, azurite, hub_name, *code("unchanged"), "--completed-since", "2d", "--per-version", "2"
    )
    assert run.code == 0, run.output
    assert result["completed"]["histories"] == 2


@pytest.mark.parametrize("age", ["7", "soon", "-1d"])
def test_a_bad_age_exits_2(cli: Cli, azurite: Azurite, hub_name: str, age: str) -> None:
    run, result = replay_check(cli, azurite, hub_name, *code("unchanged"), "--completed-since", age)
    assert run.code == 2 and "duration" in result["error"]["message"], run.output


def test_an_app_that_raises_at_import_exits_2_with_the_error(
    cli: Cli, azurite: Azurite, tmp_path: Path, hub_name: str
) -> None:
    (tmp_path / "function_app.py").write_text("raise RuntimeError('APP_SETTING missing')\n")
    run, result = replay_check(
        cli, azurite, hub_name, "--app-dir", str(tmp_path), "--orchestrator", "Flow"
    )
    assert run.code == 2, run.output
    assert "RuntimeError: APP_SETTING missing" in result["error"]["message"]


def test_an_app_dir_without_function_app_exits_2_even_when_another_is_importable(
    cli: Cli, azurite: Azurite, tmp_path: Path, hub_name: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "function_app.py").write_text(Path("apps/orders/function_app.py").read_text())
    empty = tmp_path / "empty"
    empty.mkdir()
    run, result = replay_check(
        cli,
        azurite,
        hub_name,
        "--app-dir",
        str(empty),
        "--orchestrator",
        "ProcessOrder",
        env={"PYTHONPATH": f"{elsewhere}:apps/orders"},
    )
    assert run.code == 2, run.output
    assert "has no function_app.py" in result["error"]["message"]


def test_an_instances_row_whose_version_cannot_be_read_is_held_not_filtered_out(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    """A Version of another type (here a Boolean, which no version coerces from) cannot say
    whether `--version 1.0` selects the instance: it is unreadable, never silently left out."""
    hub = TaskHub(hub_name)
    write(service, hub, [flow(), flow("odd-version", "e-odd")])
    instances = service.get_table_client(hub.instances_table)
    row = instances.get_entity("odd-version", "")
    row["Version"] = True
    instances.upsert_entity(row)
    run, result = replay_check(cli, azurite, hub_name, *code("unchanged"), "--version", "1.0")
    assert run.code == 2, run.output
    found = by_id(result)
    assert found["flow-1"]["outcome"] == "ok"
    assert found["odd-version"]["outcome"] == "unreadable"
    assert "Version" in found["odd-version"]["reason"]
