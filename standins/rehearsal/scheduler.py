"""The Durable Task Scheduler part of `make run`: plan and check the DTS stacks, then gate,
versions, retire and replay-check a scheduler's task hubs.

Stand-ins, said plainly: Microsoft's in-memory backend (PyPI `durabletask`) plays the
scheduler, behind a wrapper that checks the `taskhub` metadata and pages 3 states at a time
(standins/scheduler); a real durabletask worker runs the orchestrations, so every state and
history the stages read was written by Microsoft's code. The hub names and the connection
setting come from the planned stack's outputs; the endpoint is the stand-in's, given as a
pipeline gives it (DURABLE_DEPLOY_CONNECTION_STRING). The stages are the real ones.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from durabletask import task

from standins.rehearsal.console import check, cli, console, meanwhile, section
from standins.scheduler import programs
from standins.scheduler.scenarios import Scenario, busy_hub, start_waiting
from standins.scheduler.server import SchedulerStandIn
from standins.scheduler.worker import hub_client, running_worker
from taskhub.app_service_plans import PRODUCTION_SLOT

STACKS = ("dts", "dtsversioning")
STAGING = "staging"
"""The dts stack's other slot (Pulumi.dts.yaml), where the new code runs."""
FUNCTIONS = "standins.scheduler.functions_programs"
PAGE = 3
"""States per QueryInstances page: small, so every answer is read across several pages."""


def _plan(workdir: Path) -> dict[str, Any] | None:
    """Plans and checks the DTS stacks; the dts stack's outputs, or None on a failure."""
    planned = cli("plan", "--stack", STACKS[0], "--json", capture=True)
    if planned.returncode != 0:
        console.print(planned.stdout + planned.stderr, markup=False)
        return None
    graph = json.loads(planned.stdout)
    (app,) = graph["outputs"]["apps"].values()
    for name, slot in app["slots"].items():
        console.print(
            f"  slot {name}: task hub {slot['taskHub']} on scheduler {slot['schedulerName']} "
            f"({slot['schedulerEndpoint']}), connection in {slot['connectionSetting']}",
            markup=False,
        )
    if any(check(stack) != 0 for stack in STACKS):
        return None
    (workdir / "dts.json").write_text(json.dumps(graph["outputs"]))
    slots: dict[str, Any] = app["slots"]
    return slots


def not_registered_here(ctx: task.OrchestrationContext, order: Any) -> str:
    """The code of the Pending orders (`programs.UNREGISTERED`), which a late worker brings."""
    return "done"


def _drain(address: str, hub: str, scenario: Scenario, pause: float) -> None:
    """The host finishing its work while the gate polls: each waiting order approved, the
    suspended one resumed, and a worker that runs the Pending ones arrives last."""
    pending = [i for i, s in scenario.unfinished.items() if s == "Pending"]
    with hub_client(address, hub) as client:
        for instance, status in scenario.unfinished.items():
            if instance in pending:
                continue
            time.sleep(pause)
            if status == "Suspended":
                client.resume_orchestration(instance)
            client.raise_orchestration_event(instance, programs.APPROVE, data={"ok": True})
            console.print(f"  [dim]host: {instance} ({status}) finishes[/dim]")
        with running_worker(address, hub, orchestrators=[not_registered_here]):
            for instance in pending:
                client.wait_for_orchestration_completion(instance, timeout=30)
                console.print(f"  [dim]host: a late worker runs {instance} (Pending)[/dim]")


def _run(title: str, args: list[str], env: dict[str, str], expected: int) -> bool:
    console.print(f"$ durable-deploy {' '.join(args)}   # {title}", markup=False)
    code = cli(*args, env=env).returncode
    console.print(f"  (exit {code}, expected {expected})")
    if code != expected:
        console.print(f"[bold red]{args[0]} exited {code}, not {expected}: rehearsal failed.")
    return code == expected


def rehearse_scheduler(workdir: Path) -> int:
    section("Durable Task Scheduler: plan and check the dts and dtsversioning stacks")
    slots = _plan(workdir)
    if slots is None:
        return 2
    production, staging = slots[PRODUCTION_SLOT]["taskHub"], slots[STAGING]["taskHub"]
    stand_in = SchedulerStandIn([production, staging], page_cap=PAGE)
    address = stand_in.start()
    env = {
        **os.environ,
        "DURABLE_DEPLOY_CONNECTION_STRING": f"Endpoint=http://{address.plain};Authentication=None",
    }
    where = ["--stack-output", str(workdir / "dts.json"), "--retries", "1"]
    try:
        return _stages(stand_in, address.plain, production, staging, env, where)
    finally:
        stand_in.stop()


def _stages(
    stand_in: SchedulerStandIn,
    address: str,
    production: str,
    staging: str,
    env: dict[str, str],
    where: list[str],
) -> int:
    with (
        running_worker(address, production),
        running_worker(address, staging),
        hub_client(address, production) as busy,
        hub_client(address, staging) as orders,
    ):
        scenario, new_code = busy_hub(busy), Scenario()
        for number in (1, 2):
            start_waiting(orders, new_code, programs.flow, f"order-{number}", {}, "1.0")
        console.print(
            f"A real durabletask worker ran {len(scenario.versions)} orchestrations on "
            f"{production}: {len(scenario.unfinished)} unfinished (Running, Pending, "
            f"Suspended), the rest finished; 2 orders in flight on {staging}.\nListings leave "
            f"versions out (as the in-memory backend does); pages hold {PAGE} states."
        )
        section("Stages on the scheduler: versions, gate (busy), retire, replay-check")
        before = len(stand_in.calls_of("QueryInstances"))
        steps = [
            ("per version, read from histories", ["versions", *where], 0),
            ("busy: holds", ["gate", *where, "--timeout", "0", "--stable-for", "1"], 1),
            ("2.0 is in flight", ["retire", *where, "--version", "2.0"], 1),
        ]
        for title, args, expected in steps:
            if not _run(title, args, env, expected):
                return 1
        pages = len(stand_in.calls_of("QueryInstances")) - before
        console.print(f"  ({pages} QueryInstances pages read, {PAGE} states each at most)")
        staged = [*where, "--slot", STAGING, "--name", "flow"]
        for title, code, expected in (
            ("unchanged code", "flow", 0),
            ("first activity renamed", "renamed_flow", 1),
        ):
            args = ["replay-check", *staged, "--function", f"{FUNCTIONS}:{code}"]
            if not _run(title, args, env, expected):
                return 1
        section("Gate on the scheduler while the host drains the hub")
        gate = ["gate", *where, "--interval", "1", "--stable-for", "2", "--timeout", "30"]
        with meanwhile(lambda: _drain(address, production, scenario, 0.3)):
            drained = _run("passes once drained", gate, env, 0)
        if not drained:
            return 1
        for instance in new_code.unfinished:
            orders.raise_orchestration_event(instance, programs.APPROVE, data={"ok": True})
            orders.wait_for_orchestration_completion(instance, timeout=30)
        console.print(f"  [dim]host: the 2 orders on {staging} complete[/dim]")
    retire = ["retire", *where, "--slot", STAGING, "--retention", "0s", "--version"]
    for title, version, expected in (("a typo", "1.O", 2), ("nothing of 1.0 left", "1.0", 0)):
        if not _run(title, [*retire, version], env, expected):
            return 1
    console.print(
        "[bold green]On the scheduler too: the gate held a busy hub across pages and passed "
        "once drained, retire answered 0/1/2, and the replay check caught the rename."
    )
    return 0
