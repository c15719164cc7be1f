"""The Flex Consumption part of `make run`: plan and check FC1 stacks, then watch a rollout.

Stand-ins: Azurite plays the Flex app's durable storage account; the host simulator plays
the workers of a rolling update, writing Instances rows as DurableTask.AzureStorage does:
old (1.0) instances finish while new (2.0) ones start, and a not-yet-drained old worker
starts one more 1.0 instance midway, which the watch's stable window catches. The stages
(`plan`, `check`, `versions`, `versions --watch`) are the real ones.
"""

from __future__ import annotations

import base64
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from standins.azurite import Account
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from standins.rehearsal.console import check, cli, console, run_while, section
from standins.rehearsal.hubs import hub_on_azurite
from taskhub.hostjson import DEFAULT_DURABLE_SETTING
from taskhub.hubs import TaskHub
from taskhub.status import RuntimeStatus

STACK = "flex"
SETTING = DEFAULT_DURABLE_SETTING
DURABLE = Account("ordersflexdprod", base64.b64encode(os.urandom(32)).decode())

# (seconds after the watch starts, instance, version, new status): a rolling update.
_ROLLING_UPDATE = [
    (1.5, "order-2001", "2.0", RuntimeStatus.PENDING),
    (2.5, "order-1001", "1.0", RuntimeStatus.COMPLETED),
    (3.5, "order-2001", "2.0", RuntimeStatus.RUNNING),
    (4.5, "order-1002", "1.0", RuntimeStatus.COMPLETED),
    (5.0, "order-1003", "1.0", RuntimeStatus.RUNNING),  # a draining old worker starts one more
    (6.5, "order-2002", "2.0", RuntimeStatus.RUNNING),
    (8.0, "order-1003", "1.0", RuntimeStatus.COMPLETED),
]


def _play(host: DurableHostSimulator, started: float, known: set[str]) -> None:
    for at, instance_id, version, status in _ROLLING_UPDATE:
        time.sleep(max(0.0, started + at - time.monotonic()))
        if instance_id in known:
            host.transition(instance_id, status)
        else:
            host.write(SimulatedInstance(instance_id, "ProcessOrder", status, version))
            known.add(instance_id)
        console.print(f"  [dim]rolling update: {instance_id} ({version}) -> {status}[/dim]")


def rehearse_flex(workdir: Path) -> int:
    section("Flex Consumption: plan and check the flex stack (versioning on FC1)")
    planned = cli("plan", "--stack", STACK, "--json", capture=True)
    if planned.returncode != 0:
        console.print(planned.stdout + planned.stderr, markup=False)
        return 2
    graph = json.loads(planned.stdout)
    site = next(r for r in graph["resources"] if r["type"] == "azure-native:web:WebApp")
    config = site["inputs"]["functionAppConfig"]
    console.print(
        f"  {site['inputs']['name']}: its own FC1 plan; runtime {config['runtime']['name']} "
        f"{config['runtime']['version']}; "
        f"site update {config['siteUpdateStrategy']['type']}; package from "
        f"{config['deployment']['storage']['value']} (system identity)",
        markup=False,
    )
    stack_output = workdir / f"{STACK}.json"
    stack_output.write_text(json.dumps(graph["outputs"]))
    for stack in (STACK, "flexrouting"):
        checked = check(stack)
        if checked != 0:
            return checked

    with hub_on_azurite(DURABLE, TaskHub("OrdersFlex")) as (conn, host):
        now = datetime.now(UTC)
        old = [
            SimulatedInstance(
                f"order-100{i}",
                "ProcessOrder",
                RuntimeStatus.RUNNING,
                "1.0",
                created=now - timedelta(minutes=10 - i),
            )
            for i in (1, 2)
        ]
        host.write_many(old)
        console.print("Seeded hub OrdersFlex: two 1.0 orders in flight on the old workers.")
        env = {**os.environ, SETTING: conn}
        where = ["--stack-output", str(stack_output), "--connection-setting", SETTING]

        section("Stage: rollout check at the new version, before the deploy")
        console.print("$ durable-deploy versions ... --worker-version 2.0")
        rollout = cli("versions", *where, "--worker-version", "2.0", env=env)
        if rollout.returncode != 0:
            return rollout.returncode

        section("Stage: follow the rolling update until 1.0 has drained")
        watch = "--watch --until-drained 1.0 --interval 1 --stable-for 2 --timeout 60"
        console.print(f"$ durable-deploy versions ... {watch}")
        known = {i.instance_id for i in old}
        watched, elapsed = run_while(
            "watch",
            lambda started: _play(host, started, known),
            "versions",
            *where,
            *watch.split(),
            env=env,
        )
    if watched != 0:
        return watched
    console.print(
        f"[bold green]The watch followed the rolling update and passed after "
        f"{elapsed:.0f}s: the 1.0 code path may now be judged by retire."
    )
    return 0
