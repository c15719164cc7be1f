"""Every hub-reading command on the Durable Task Scheduler, run as a pipeline runs it.

The hubs are Microsoft's in-memory backend behind the stand-in (standins/scheduler), written
by a real durabletask worker running `standins.scheduler.programs`; the expected answers
are what the scenarios did to each hub, never what the code under test returned. Listings
leave versions out (the in-memory backend's own behaviour) and pages hold 3 states, so
every answer below is read across several pages and versions come from histories.
"""

from __future__ import annotations

import json
import socket
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from standins.scheduler import programs
from standins.scheduler.scenarios import Scenario, busy_hub, drained_hub, start_waiting
from standins.scheduler.server import SchedulerStandIn
from standins.scheduler.worker import hub_client, running_worker
from tests.support.helpers import Cli, Run

BUSY, DRAINED, FLOWS = "busy", "drained", "flows"
FUNCTIONS = "standins.scheduler.functions_programs"
ONCE = ["--timeout", "0", "--stable-for", "1", "--retries", "1"]


@dataclass
class Hubs:
    stand_in: SchedulerStandIn
    endpoint: str
    busy: Scenario
    drained: Scenario
    flows: Scenario

    def string(self, hub: str | None = None) -> str:
        task_hub = f";TaskHub={hub}" if hub else ""
        return f"Endpoint={self.endpoint};Authentication=None{task_hub}"

    def queries(self) -> int:
        return len(self.stand_in.calls_of("QueryInstances"))


@pytest.fixture(scope="module")
def hubs() -> Iterator[Hubs]:
    """Three hubs, written once by a real worker: busy (every unfinished status the
    backend can show), drained, and flows (in-flight and completed `flow` instances)."""
    stand_in = SchedulerStandIn([BUSY, DRAINED, FLOWS], page_cap=3)
    address = stand_in.start()
    flows = Scenario()
    with running_worker(address.plain, BUSY):
        busy = busy_hub(hub_client(address.plain, BUSY))
    with running_worker(address.plain, DRAINED):
        drained = drained_hub(hub_client(address.plain, DRAINED))
    with running_worker(address.plain, FLOWS):
        client = hub_client(address.plain, FLOWS)
        for number in (1, 2):
            start_waiting(client, flows, programs.flow, f"flow-{number}", {"o": number}, "1.0")
        start_waiting(client, flows, programs.flow, "flow-done", {"o": 3}, "1.0")
        client.raise_orchestration_event("flow-done", programs.APPROVE, data={"ok": True})
        client.wait_for_orchestration_completion("flow-done", timeout=30)
        del flows.unfinished["flow-done"]
        flows.finished["flow-done"] = "Completed"
    yield Hubs(stand_in, f"http://{address.plain}", busy, drained, flows)
    stand_in.stop()


def on(cli: Cli, hubs: Hubs, hub: str, *args: str) -> Run:
    run = cli(*args, "--connection-string", hubs.string(), "--hub", hub)
    assert "Traceback" not in run.stderr, run.stderr
    return run


def test_a_busy_hub_holds_the_gate_with_every_instance_counted_across_pages(
    cli: Cli, hubs: Hubs
) -> None:
    before = hubs.queries()
    run = on(cli, hubs, BUSY, "gate", *ONCE, "--json")
    assert run.code == 1, run.output
    result = run.json
    assert result["by_status"] == dict(Counter(hubs.busy.unfinished.values()))
    assert {"Running", "Pending", "Suspended"} <= set(result["by_status"])
    assert result["not_finished"] == len(hubs.busy.unfinished)
    assert hubs.queries() - before >= 3  # 15 instances, 3 a page
    assert {i["version_source"] for i in result["instances"]} <= {"history", "instance"}
    # The Pending ones have no version anywhere yet: in no version's count, only unreadable.
    started = [i for i, s in hubs.busy.unfinished.items() if s != "Pending"]
    assert result["by_version"] == dict(Counter(hubs.busy.versions[i] for i in started))


def test_a_drained_hub_passes_the_gate(cli: Cli, hubs: Hubs) -> None:
    run = on(cli, hubs, DRAINED, "gate", *ONCE, "--json")
    assert run.code == 0, run.output
    assert run.json["drained"] is True
    assert run.json["table"] is None  # a scheduler hub has no tables to name
    text = on(cli, hubs, DRAINED, "gate", *ONCE)
    assert f"task hub {DRAINED!r}" in text.output and "table" not in text.output


def test_an_unknown_hub_cannot_decide_unless_allowed(cli: Cli, hubs: Hubs) -> None:
    run = on(cli, hubs, "drainde", "gate", *ONCE)
    assert run.code == 2, run.output
    assert "'drainde' does not exist" in run.output
    assert on(cli, hubs, "drainde", "gate", *ONCE, "--allow-missing-hub").code == 0
    for command in (["versions"], ["retire", "--version", "1.0"]):
        assert on(cli, hubs, "drainde", *command, "--retries", "1").code == 2


def test_an_unreachable_scheduler_cannot_decide(cli: Cli) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    string = f"Endpoint=http://127.0.0.1:{port};Authentication=None;TaskHub=orders"
    run = cli("gate", *ONCE, "--connection-string", string, "--json")
    assert run.code == 2, run.output
    assert "UNAVAILABLE" in run.json["error"]["message"]


def test_versions_are_counted_right_when_listings_leave_them_out(cli: Cli, hubs: Hubs) -> None:
    run = on(cli, hubs, BUSY, "versions", "--json")
    assert run.code == 0, run.output
    result = run.json
    pending = {i for i, s in hubs.busy.unfinished.items() if s == "Pending"}
    started = {i: v for i, v in hubs.busy.versions.items() if i not in pending}
    counted = {v: s["total"] for v, s in result["hubs"][BUSY].items()}
    assert counted == dict(Counter(started.values()))
    # The Pending ones have no history yet and their state names no version: unknown, so
    # in no version's count (not even the unversioned "").
    assert result["unreadable"] == len(pending) == 2
    assert result["version_sources"] == {"history": result["total"]}
    assert result["total"] == len(hubs.busy.unfinished) + len(hubs.busy.finished)


def test_retire_answers_zero_one_and_two_as_on_storage(cli: Cli, hubs: Hubs) -> None:
    safe = on(cli, hubs, DRAINED, "retire", "--version", "1.0", "--retention", "0s", "--json")
    assert safe.code == 0, safe.output
    assert safe.json["total"] == len(hubs.drained.finished)
    not_yet = on(cli, hubs, BUSY, "retire", "--version", "2.0", "--json")
    assert not_yet.code == 1, not_yet.output
    unfinished = [i for i, v in hubs.busy.versions.items() if v == "2.0"]
    assert not_yet.json["unfinished"] == len(set(unfinished) & set(hubs.busy.unfinished))
    assert not_yet.json["unreadable"] == 2  # the Pending ones might be 2.0
    typo = on(cli, hubs, DRAINED, "retire", "--version", "1.O", "--retention", "0s")
    assert typo.code == 2, typo.output
    assert "'1.0'" in typo.output


def test_the_ledger_is_refused_on_the_scheduler(cli: Cli, hubs: Hubs) -> None:
    for option in ("--record", "--history"):
        run = on(cli, hubs, DRAINED, "retire", "--version", "1.0", option, "--retention", "0s")
        assert run.code == 2, run.output
        assert "DurableDeployLedger" in run.output and "Durable Task Scheduler" in run.output


def test_unchanged_code_replays_the_workers_histories(cli: Cli, hubs: Hubs) -> None:
    code = ["--function", f"{FUNCTIONS}:flow", "--name", "flow", "--completed-since", "1h"]
    run = on(cli, hubs, FLOWS, "replay-check", *code, "--json")
    assert run.code == 0, run.output
    result = run.json
    assert {i["instance_id"] for i in result["instances"]} == set(hubs.flows.unfinished)
    assert {i["outcome"] for i in result["instances"]} == {"ok"}
    assert result["completed"]["histories"] == len(hubs.flows.finished)
    assert result["completed"]["prefixes"] > 0 and result["completed"]["findings"] == []


def test_a_renamed_activity_is_nondeterministic_at_the_step_durabletask_names(
    cli: Cli, hubs: Hubs
) -> None:
    code = ["--function", f"{FUNCTIONS}:renamed_flow", "--name", "flow", "--completed-since", "1h"]
    run = on(cli, hubs, FLOWS, "replay-check", *code, "--json")
    assert run.code == 1, run.output
    failing = [i for i in run.json["instances"] if i["outcome"] == "nondeterministic"]
    assert {i["instance_id"] for i in failing} == set(hubs.flows.unfinished)
    assert {(i["position"], i["history"]["name"], i["code"]["name"]) for i in failing} == {
        (0, "validate", "check_order")
    }
    (finding,) = run.json["completed"]["findings"]
    assert (finding["step"], finding["example_instance"]) == (0, "flow-done")


def test_every_way_in_takes_a_scheduler_connection(cli: Cli, hubs: Hubs, tmp_path: Path) -> None:
    gate = ["gate", *ONCE]
    from_env = cli(*gate, env={"DURABLE_DEPLOY_CONNECTION_STRING": hubs.string(DRAINED)})
    assert from_env.code == 0, from_env.output
    setting = cli(
        *gate,
        "--connection-setting",
        "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
        env={"DURABLE_TASK_SCHEDULER_CONNECTION_STRING": hubs.string(DRAINED)},
    )
    assert setting.code == 0, setting.output
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(stack_outputs(hubs.endpoint, DRAINED)))
    stacked = cli(*gate, "--stack-output", str(outputs), "--slot", "staging")
    assert stacked.code == 0, stacked.output
    # --hub wins over TaskHub= in the string, as host.json's hubName does in the host.
    busy = cli(*gate, "--connection-string", hubs.string(DRAINED), "--hub", BUSY)
    assert busy.code == 1, busy.output


def test_a_stack_output_endpoint_outside_azure_gets_no_token(cli: Cli, tmp_path: Path) -> None:
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps(stack_outputs("https://scheduler.example.com", DRAINED)))
    run = cli("gate", *ONCE, "--stack-output", str(outputs), "--slot", "staging")
    assert run.code == 2, run.output
    assert "no Entra ID token is sent there" in run.output
    assert "--allow-endpoint" in run.output


@pytest.mark.parametrize(
    ("string", "problem"),
    [
        ("Server=tcp:db;Database=x", "has the shape of neither form"),
        ("Endpoint=http://h:1;Authentication=None;AccountName=a", "mixes the keys of both"),
    ],
)
def test_a_connection_string_of_neither_form_names_both(
    cli: Cli, string: str, problem: str
) -> None:
    run = cli("gate", *ONCE, "--connection-string", string, "--hub", "orders")
    assert run.code == 2, run.output
    assert problem in run.output
    assert "Endpoint=https://" in run.output and "AccountName=" in run.output


def test_a_tracking_prefix_has_no_meaning_on_the_scheduler(cli: Cli, hubs: Hubs) -> None:
    run = on(cli, hubs, DRAINED, "gate", *ONCE, "--tracking-prefix", "Shared")
    assert run.code == 2, run.output
    assert "has none" in run.output


def stack_outputs(endpoint: str, staging_hub: str) -> dict[str, object]:
    """A DTS slots stack's outputs, in the shape components/function_app.py exports
    (`SchedulerSlotOutputs`)."""

    def slot(hub: str) -> dict[str, object]:
        return {
            "backend": "durableTaskScheduler",
            "taskHub": hub,
            "schedulerName": "orders-dts",
            "schedulerEndpoint": endpoint,
            "taskHubDashboardUrl": None,
            "connectionSetting": "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
            "hostName": "orders-dts.azurewebsites.net",
        }

    return {
        "apps": {
            "orders-dts": {
                "resourceGroup": "rg-orders-dts",
                "slots": {"production": slot("OrdersDts"), "staging": slot(staging_hub)},
            }
        }
    }
