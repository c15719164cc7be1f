"""`replay-check` exactly as strict as DurableTask, over histories written by hand from the
DurableTask.AzureStorage / DurableTask.Core / extension sources (tests/durabletask_rows.py
cites them), into a real Azurite, judged by the CLI run as a process."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from scripts.azurite import Azurite
from taskhub.history import large_messages_container
from taskhub.hubs import TaskHub, escape_instance_id
from tests.conftest import SECRET_ACCOUNT, Run, run_cli
from tests.durabletask_rows import (
    Instance,
    completed,
    failed,
    fired,
    flow,
    raised,
    scheduled,
    sent,
    started,
    timer,
    write,
)

PROGRAMS = "tests.replay_programs"


def _retry_history(instance_id: str, execution: str, *episodes: list[Any]) -> Instance:
    first = [started("retry", instance_id, execution), scheduled(0, "Charge")]
    return Instance(instance_id, execution, [first, *episodes])


def unchanged_cases() -> list[Instance]:
    """Every case of issue 14's "Why" that unchanged code must pass."""
    retry_pending = _retry_history("retry-pending", "e1", [failed(0), timer(1)])
    exhausted = _retry_history(
        "retry-exhausted",
        "e2",
        [failed(0), timer(1)],
        [fired(1), scheduled(2, "Charge")],
        [failed(2), timer(3)],
        [fired(3), scheduled(4, "Charge")],
        [failed(4), timer(5, minutes=0)],  # RetryInterceptor: "Dummy timer for back-compat"
        [fired(5), scheduled(6, "Refund")],
    )
    succeeded = _retry_history(
        "retry-succeeded",
        "e3",
        [failed(0), timer(1)],
        [fired(1), scheduled(2, "Charge")],
        [completed(2), scheduled(3, "Ship")],
    )
    # B fails first, so its retry timer takes 2 and A's takes 3; A's fires first (4).
    parallel = Instance(
        "parallel-retry",
        "e4",
        [
            [
                started("parallel-retry", "parallel-retry", "e4"),
                scheduled(0, "A"),
                scheduled(1, "B"),
            ],
            [failed(1), timer(2)],
            [failed(0), timer(3)],
            [fired(3), scheduled(4, "A")],
            [fired(2), scheduled(5, "B")],
        ],
    )
    child = Instance(
        "child-retry",
        "e5",
        [
            [started("child-retry", "child-retry", "e5"), _child_created(0)],
            [("SubOrchestrationInstanceFailed", {"TaskScheduledId": 0, "Reason": "x"}), timer(1)],
            [fired(1), _child_created(2)],
            [
                ("SubOrchestrationInstanceCompleted", {"TaskScheduledId": 2, "Result": "5"}),
                scheduled(3, "Ship"),
            ],
        ],
    )
    entities = Instance(
        "entities",
        "e6",
        [
            [
                started("entities", "entities", "e6", version=None),
                sent(0, "@counter@k", "add", "req-1", signal=True),
                sent(1, "@counter@k", "get", "req-2", signal=False),
            ],
            [raised("req-2", 5), scheduled(2, "Report")],
        ],
        version=None,  # an unversioned instance: no Version column anywhere
    )
    http = Instance(
        "http",
        "e7",
        [
            [started("http", "http", "e7"), scheduled(0, "BuiltIn::HttpActivity")],
            [
                completed(0, {"statusCode": 200, "content": "q", "headers": {}}),
                scheduled(1, "Ship"),
            ],
        ],
    )
    eternal = Instance(
        "eternal",
        "gen-2",
        [[started("eternal", "eternal", "gen-2", tick=2), scheduled(0, "Tick")]],
        # ContinueAsNew: generation 1 was longer; its rows past the new length remain.
        extra_rows=[
            _row("eternal", "gen-1", n, "TaskScheduled", EventId=n, Name="Old") for n in (4, 5, 6)
        ],
    )
    rewound = _retry_history(
        "rewound",
        "e8",
        [failed(0), timer(1)],
        [("ExecutionRewound", {"Reason": "rewind"}), ("SomeFutureEvent", {}), fired(1)],
    )
    rewound.episodes[-1].append(scheduled(2, "Charge"))
    reused_pending = Instance("reused-pending", "e-new", [], status="Pending", sentinel="e-old")
    reused_pending.extra_rows = _old_execution("reused-pending", "e-old")
    reused_running = _retry_history("reused-running", "e-new2", [failed(0), timer(1)])
    reused_running.extra_rows = _old_execution("reused-running", "e-old2")[8:]
    return [
        flow(),
        retry_pending,
        exhausted,
        succeeded,
        parallel,
        child,
        entities,
        http,
        eternal,
        rewound,
        Instance("pending", "e9", [], status="Pending"),
        reused_pending,
        reused_running,
        _renamed(flow("paused", "e10"), status="Paused"),  # a status we do not know
        _renamed(flow("nameless", "e11"), name=None),  # the Instances row has no Name
    ]


def _child_created(event_id: int) -> tuple[str, dict[str, Any]]:
    fields = {"EventId": event_id, "Name": "Child", "InstanceId": "child-1", "Input": "1"}
    return ("SubOrchestrationInstanceCreated", fields)


def _row(
    instance_id: str, execution: str, sequence: int, kind: str, **fields: Any
) -> dict[str, Any]:
    return {
        "PartitionKey": escape_instance_id(instance_id),
        "RowKey": f"{sequence:016X}",
        "ExecutionId": execution,
        "EventType": kind,
        "IsPlayed": False,
        "_Timestamp": "2026-11-29T08:00:00Z",
        **fields,
    }


def _old_execution(instance_id: str, execution: str) -> list[dict[str, Any]]:
    """A finished earlier execution under the same id, recorded by code long gone."""
    return Instance(
        instance_id,
        execution,
        [[started("flow", instance_id, execution), scheduled(0, "Gone")], [completed(0)]]
        + [[scheduled(n, "Gone")] for n in range(1, 4)],
    ).history_rows()


def _renamed(instance: Instance, **changes: Any) -> Instance:
    for key, value in changes.items():
        setattr(instance, key, value)
    return instance


def check(
    azurite: Azurite, hub: str, *args: str, env: dict[str, str] | None = None
) -> tuple[Run, dict[str, Any]]:
    run = run_cli(
        "replay-check",
        "--connection-string",
        azurite.connection_string(SECRET_ACCOUNT.name),
        "--hub",
        hub,
        "--json",
        *args,
        env=env,
    )
    assert "Traceback" not in run.stderr, run.stderr
    return run, json.loads(run.stdout)


def by_id(result: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {i["instance_id"]: i for i in result["instances"]}


def code(name: str) -> list[str]:
    return ["--function", f"{PROGRAMS}:{name}", "--name", "Flow"]


def test_unchanged_code_passes_every_case_durabletask_passes(
    azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    cases = unchanged_cases()
    write(service, TaskHub(hub_name), cases)
    run, result = check(azurite, hub_name, *code("unchanged"))
    found = {
        i: (r["outcome"], r["position"], r["history"], r["code"]) for i, r in by_id(result).items()
    }
    expected = {c.instance_id: ("ok", None, None, None) for c in cases}
    for waiting in ("pending", "reused-pending"):
        expected[waiting] = ("not-started", None, None, None)
    assert found == expected, run.output
    assert run.code == 0, run.output
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
    azurite: Azurite,
    service: TableServiceClient,
    hub_name: str,
    variant: str,
    step: int,
    recorded: tuple[str, str | None],
    emitted: tuple[str, str | None],
) -> None:
    write(service, TaskHub(hub_name), [flow()])
    run, result = check(azurite, hub_name, *code(variant))
    assert run.code == 1, run.output
    found = by_id(result)["flow-1"]
    assert found["outcome"] == "nondeterministic"
    assert found["position"] == step
    assert found["history"] == {"event": recorded[0], "name": recorded[1]}
    assert found["code"] == {"event": emitted[0], "name": emitted[1]}


@pytest.mark.parametrize("variant", ["renamed_case_only", "entity_operation_renamed"])
def test_edits_durabletask_does_not_see_pass(
    azurite: Azurite, service: TableServiceClient, hub_name: str, variant: str
) -> None:
    """No stricter than DurableTask: names compare OrdinalIgnoreCase, and every entity
    operation is an EventSent named "op"."""
    write(service, TaskHub(hub_name), [flow()])
    run, result = check(azurite, hub_name, *code(variant))
    assert run.code == 0, run.output
    assert by_id(result)["flow-1"]["outcome"] == "ok"


def test_a_strange_row_makes_one_instance_unreadable_not_the_command_abort(
    azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    hub = TaskHub(hub_name)
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string(SECRET_ACCOUNT.name))
    container = blobs.get_container_client(large_messages_container(hub))
    container.create_container()
    container.upload_blob("bad/not-gzip", b"plain text, not gzip")
    container.upload_blob("bad/latin1", gzip.compress("caf\xe9".encode("latin-1")))
    damaged = {
        "bad-rowkey": {"RowKey": "not-hex"},
        "bad-json": {"OrchestrationInstance": "{not json"},
        "bad-gzip": {"Input": "", "InputBlobName": "bad/not-gzip"},
        "bad-utf8": {"Input": "", "InputBlobName": "bad/latin1"},
        "missing-blob": {"Input": "", "InputBlobName": "bad/gone"},
    }
    cases = [flow()]
    for instance_id, change in damaged.items():
        case = flow(instance_id, f"e-{instance_id}")
        rows = case.history_rows()
        case.episodes = []
        rows[1].update(change)  # the ExecutionStarted row
        case.extra_rows = rows
        cases.append(case)
    cases.append(_renamed(flow("anonymous", "e-anon"), name=None))
    for row in cases[-1].history_rows():
        if row["EventType"] == "ExecutionStarted":
            row.pop("Name")
            cases[-1].extra_rows = [row]
    write(service, hub, cases)
    run, result = check(azurite, hub_name, "--function", f"{PROGRAMS}:unchanged")
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
    azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    """Two payments exhausted their retries and completed through Refund last week; no
    instance is on that path now. Renaming Refund breaks any that will be."""
    finished = []
    for instance_id in ("done-1", "done-2"):
        case = _retry_history(
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
    in_flight_only, result = check(azurite, hub_name, *code("refund_renamed"))
    assert in_flight_only.code == 0, "nothing in flight is on that path"
    run, result = check(azurite, hub_name, *code("refund_renamed"), "--completed-since", "7d")
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
    unchanged_run, result = check(azurite, hub_name, *code("unchanged"), "--completed-since", "7d")
    assert unchanged_run.code == 0, unchanged_run.output
    assert result["completed"]["findings"] == []


def test_prefix_mode_takes_the_newest_n_per_version(
    azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    finished = []
    for n in range(3):
        case = flow(f"done-{n}", f"e-{n}")
        case.status = "Completed"
        finished.append(case)
    write(service, TaskHub(hub_name), finished)
    run, result = check(
        azurite, hub_name, *code("unchanged"), "--completed-since", "2d", "--per-version", "2"
    )
    assert run.code == 0, run.output
    assert result["completed"]["histories"] == 2


@pytest.mark.parametrize("age", ["7", "soon", "-1d"])
def test_a_bad_age_exits_2(azurite: Azurite, hub_name: str, age: str) -> None:
    run, result = check(azurite, hub_name, *code("unchanged"), "--completed-since", age)
    assert run.code == 2 and "duration" in result["error"]["message"], run.output


def test_an_app_that_raises_at_import_exits_2_with_the_error(
    azurite: Azurite, tmp_path: Path, hub_name: str
) -> None:
    (tmp_path / "function_app.py").write_text("raise RuntimeError('APP_SETTING missing')\n")
    run, result = check(azurite, hub_name, "--app-dir", str(tmp_path), "--orchestrator", "Flow")
    assert run.code == 2, run.output
    assert "RuntimeError: APP_SETTING missing" in result["error"]["message"]


def test_an_app_dir_without_function_app_exits_2_even_when_another_is_importable(
    azurite: Azurite, tmp_path: Path, hub_name: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "function_app.py").write_text(Path("apps/orders/function_app.py").read_text())
    empty = tmp_path / "empty"
    empty.mkdir()
    run, result = check(
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
