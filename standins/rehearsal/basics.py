"""The first part of `make run`: plan, check, versions, gate and retire on the dev stack.

Stand-ins, said plainly: Azurite (from npm) plays the production slot's durable storage
account; `DurableHostSimulator` plays the Durable Functions host, writing Instances rows
the way DurableTask.AzureStorage does while orchestrations finish. The stages themselves
run for real, as a pipeline would run them.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from standins.azurite import Account
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from standins.rehearsal.console import check, cli, console, run_while, section
from standins.rehearsal.hubs import hub_on_azurite
from taskhub import app_service_plans
from taskhub.hostjson import DEFAULT_DURABLE_SETTING
from taskhub.hubs import TaskHub
from taskhub.status import RuntimeStatus

STACK = "dev"
SETTING = DEFAULT_DURABLE_SETTING
# A throwaway key for the emulator account, generated per run; the gate must never print it.
PRODUCTION_SLOT = Account("ordersdevdprod", base64.b64encode(os.urandom(32)).decode())


def _in_flight() -> list[SimulatedInstance]:
    now = datetime.now(UTC)
    return [
        SimulatedInstance(
            "order-1001",
            "ProcessOrder",
            RuntimeStatus.RUNNING,
            "1.0",
            created=now - timedelta(minutes=9),
        ),
        SimulatedInstance(
            "order-1002",
            "ProcessOrder",
            RuntimeStatus.RUNNING,
            "1.0",
            created=now - timedelta(minutes=7),
        ),
        SimulatedInstance(
            "order-1003",
            "ProcessOrder",
            RuntimeStatus.SUSPENDED,
            None,
            created=now - timedelta(minutes=5),
        ),
        SimulatedInstance(
            "order-1004",
            "ProcessOrder",
            RuntimeStatus.PENDING,
            "1.0",
            created=now - timedelta(seconds=30),
        ),
        SimulatedInstance("@cart@user42", "@cart", RuntimeStatus.RUNNING),
    ]


# (seconds after the gate starts, instance, new status): the host finishing its work.
_TIMELINE = [
    (2.0, "order-1001", RuntimeStatus.COMPLETED),
    (3.5, "order-1004", RuntimeStatus.RUNNING),
    (5.0, "order-1003", RuntimeStatus.RUNNING),
    (6.5, "order-1002", RuntimeStatus.COMPLETED),
    (8.0, "order-1004", RuntimeStatus.COMPLETED),
    (9.5, "order-1003", RuntimeStatus.COMPLETED),
]


def _play(host: DurableHostSimulator, started: float) -> None:
    for at, instance_id, status in _TIMELINE:
        time.sleep(max(0.0, started + at - time.monotonic()))
        host.transition(instance_id, status)
        console.print(f"  [dim]host simulator: {instance_id} -> {status}[/dim]")


def _plan(stack_output: Path) -> str | None:
    """Plan the dev stack offline; write its outputs where `pulumi stack output` would."""
    section(f"Stage: plan the {STACK} stack offline (Pulumi mocks stand in for the engine)")
    console.print(f"$ durable-deploy plan --stack {STACK}")
    planned = cli("plan", "--stack", STACK, "--json", capture=True)
    if planned.returncode != 0:
        console.print(planned.stdout + planned.stderr, markup=False)
        return None
    graph = json.loads(planned.stdout)
    counts = Counter(r["type"] for r in graph["resources"])
    for type_, count in sorted(counts.items()):
        console.print(f"  {count:3d} x {type_}")
    for app, entry in graph["outputs"]["apps"].items():
        for slot, out in entry["slots"].items():
            console.print(
                f"  {app}/{slot}: hub {out['taskHub']}, durable account "
                f"{out['durableStorageAccount']}, setting {out['connectionSetting']}"
            )
    stack_output.write_text(json.dumps(graph["outputs"]))
    return str(
        graph["outputs"]["apps"][next(iter(graph["outputs"]["apps"]))]["slots"][
            app_service_plans.PRODUCTION_SLOT
        ]["taskHub"]
    )


def rehearse_basics(stack_output: Path) -> int:
    hub = _plan(stack_output)
    if hub is None:
        return 2
    section("Stage: policy check (the CrossGuard pack over its Analyzer gRPC protocol)")
    checked = check(STACK)
    if checked != 0:
        return checked
    with hub_on_azurite(PRODUCTION_SLOT, TaskHub(hub)) as (conn, host):
        history = [
            SimulatedInstance(f"order-{900 + i}", "ProcessOrder", RuntimeStatus.COMPLETED, "1.0")
            for i in range(12)
        ]
        host.write_many([*history, *_in_flight()])
        console.print(
            f"Seeded hub {hub}: 12 completed orders, 4 in flight (Running, Suspended, "
            "Pending) and one durable entity (skipped by the gate by default)."
        )

        env = {**os.environ, SETTING: conn}
        where = f"--stack-output {stack_output} --connection-setting {SETTING}"
        section("Stage: versions report and rollout check")
        for worker in ("2.0", "0.9"):
            command = f"durable-deploy versions {where} --worker-version {worker}"
            console.print(f"$ {command}", markup=False)
            rollout = cli(*command.split()[1:], env=env)
            meaning = "safe" if rollout.returncode == 0 else "would orphan in-flight instances"
            console.print(f"  (exit {rollout.returncode}: {meaning})")

        section("Stage: drain gate on the production slot's task hub")
        command = (
            f"durable-deploy gate --stack-output {stack_output} --slot production "
            f"--connection-setting {SETTING} --interval 2 --stable-for 2 --timeout 60"
        )
        console.print(f"$ {SETTING}=<Azurite connection string> {command}", markup=False)
        gated, elapsed = run_while(
            "gate", lambda started: _play(host, started), *command.split()[1:], env=env
        )
        if gated != 0:
            return gated
        console.print(
            f"[bold green]The gate held while orchestrations ran, then passed after "
            f"{elapsed:.0f}s: a pipeline would now swap the slots."
        )

        section("Stage: may the 1.0 code path be retired?")
        for extra in ("", " --retention 0 --record"):
            command = f"durable-deploy retire {where} --version 1.0{extra}"
            console.print(f"$ {command}", markup=False)
            retired = cli(*command.split()[1:], env=env)
            console.print(f"  (exit {retired.returncode})")
    return 0
