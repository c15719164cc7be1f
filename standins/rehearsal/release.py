"""The release part of `make run`: `durable-deploy release` from check to resume.

Stand-ins, said plainly: a loopback server over TLS plays Azure Resource Manager (the
few Microsoft.Web endpoints we call, and App Service's managed identity endpoint that
DefaultAzureCredential signs in through); Azurite plays both slots' durable storage
accounts; the host simulator finishes the production slot's orchestrations while the gate
waits. The release command, the azure-mgmt-web client and the gate are the real ones.
"""

from __future__ import annotations

import base64
import json
import os
import time
from pathlib import Path

from standins.arm import SlotState, running_arm
from standins.azurite import Account, Azurite
from standins.host_simulator import SimulatedInstance
from standins.rehearsal.console import cli, console, meanwhile, section
from standins.rehearsal.hubs import APP_DIR, record_orders, simulated_hub
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.hostjson import DEFAULT_DURABLE_SETTING, DurableReading, DurableSettings
from taskhub.hubs import TaskHub
from taskhub.status import RuntimeStatus

SUBSCRIPTION = "00000000-0000-0000-0000-00000000d0d0"
STARTER = "StartOrder"


def _seed_staging(connection: str, hub: TaskHub) -> None:
    """Smoke tests of build 42 left two 2.0 orders waiting on staging's hub."""
    smoke = [("smoke-1", {}, 3), ("smoke-2", {"ProcessPaymentWithDiscount": 1}, 4)]
    record_orders(connection, hub, smoke, amount=20)
    console.print(
        f"Staging's hub {hub.name} holds 2 orders started by smoke tests (2.0, one retrying its "
        "payment):\nafter the swap, production's new code must carry them on."
    )


def _replay_demo(connection: str, hub: str) -> None:
    section("Replay check: would the new code replay the histories already recorded?")
    env = {**os.environ, "DURABLE_DEPLOY_CONNECTION_STRING": connection}
    for function, meaning in (
        (["--orchestrator", "ProcessOrder"], "build 42 as it is"),
        (["--function", "standins.replay_variants:current_path_only"], "an edit to the 2.0 path"),
    ):
        command = ["replay-check", "--hub", hub, "--app-dir", str(APP_DIR), *function]
        console.print(f"$ durable-deploy {' '.join(command)}   # {meaning}", markup=False)
        done = cli(*command, env=env)
        console.print(f"  (exit {done.returncode})")


def _slot(hub: str, connection: str, content: str) -> SlotState:
    settings = {
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        DEFAULT_DURABLE_SETTING: connection,
        **DurableSettings(hub_name=hub, connection_name=DEFAULT_DURABLE_SETTING).app_settings(),
    }
    return SlotState(settings, content)


def rehearse_release(stack_output: Path, workdir: Path) -> int:
    section("Release: check -> replay -> quiesce -> gate -> swap with preview -> verify -> resume")
    console.print(
        "Stand-ins: a loopback TLS server plays Azure Resource Manager and App Service's "
        "managed identity endpoint;\nAzurite plays both slots' durable storage accounts; the "
        "host simulator finishes production's orchestrations.\nThe release command and the "
        "azure-mgmt-web client are the real ones."
    )
    outputs = json.loads(stack_output.read_text())
    app, entry = next(iter(outputs["apps"].items()))
    slots = entry["slots"]
    accounts = {
        name: Account(
            slots[name]["durableStorageAccount"], base64.b64encode(os.urandom(32)).decode()
        )
        for name in (PRODUCTION_SLOT, "staging")
    }
    with Azurite(tuple(accounts.values()), blobs=True) as azurite, running_arm(workdir) as arm:
        conn = {name: azurite.connection_string(a.name) for name, a in accounts.items()}
        arm.stand_in.faults.swap_seconds = 3  # App Service swaps take a while; show progress
        hub = slots[PRODUCTION_SLOT]["taskHub"]
        arm.stand_in.add_site(
            SUBSCRIPTION,
            entry["resourceGroup"],
            app,
            {
                PRODUCTION_SLOT: _slot(hub, conn[PRODUCTION_SLOT], f"{app} build 41"),
                "staging": _slot(slots["staging"]["taskHub"], conn["staging"], f"{app} build 42"),
            },
        )
        with simulated_hub(conn[PRODUCTION_SLOT], TaskHub(hub)) as host:
            host.write_many(
                SimulatedInstance(f"order-{i}", "ProcessOrder", RuntimeStatus.RUNNING, "1.0")
                for i in (2001, 2002)
            )
            console.print(f"Production runs build 41 on hub {hub}: 2 orders in flight.")
            console.print("Staging holds build 42 on its own account.")
            _seed_staging(conn["staging"], TaskHub(slots["staging"]["taskHub"]))
            _replay_demo(conn["staging"], slots["staging"]["taskHub"])

            def finish() -> None:
                for instance in ("order-2001", "order-2002"):
                    time.sleep(2.5)
                    host.transition(instance, RuntimeStatus.COMPLETED)
                    console.print(f"  [dim]host simulator: {instance} -> Completed[/dim]")

            command = [
                "release",
                "--stack-output",
                str(stack_output),
                "--subscription",
                SUBSCRIPTION,
                "--slot",
                "staging",
                "--quiesce",
                STARTER,
                "--preview",
                "--interval",
                "1",
                "--stable-for",
                "2",
                "--timeout",
                "60",
                "--health-url",
                arm.stand_in.content_url(arm.url, app, PRODUCTION_SLOT),
                "--verify-timeout",
                "20",
                "--replay-app-dir",
                str(APP_DIR),
                "--replay-orchestrator",
                "ProcessOrder",
            ]
            console.print(f"$ durable-deploy {' '.join(command)}", markup=False)
            with meanwhile(finish):
                done = cli(*command, env={**os.environ, **arm.env})
        site = next(iter(arm.stand_in.sites.values()))
        account_of = {value: accounts[name].name for name, value in conn.items()}
        for name, slot in site.slots.items():
            hub_now = DurableReading.from_app_settings(slot.settings)
            console.print(
                f"  {name}: {slot.content}, hub {hub_now.hub_name if hub_now else '?'} on "
                f"{account_of.get(slot.settings[DEFAULT_DURABLE_SETTING], '?')}, restarted "
                f"{slot.restarts}x, starters disabled: "
                f"{any(k.endswith('.Disabled') for k in slot.settings)}"
            )
    if done.returncode != 0:
        console.print(f"[bold red]The release exited {done.returncode}: rehearsal failed.")
    return done.returncode
