"""An app with two slots on the loopback ARM stand-in, their hubs in Azurite."""

from __future__ import annotations

import gc
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from standins.arm import ArmStandIn, RunningArm, SiteState, SlotState, running_arm
from standins.azurite import DEV_ACCOUNT, Azurite
from taskhub.hostjson import DEFAULT_DURABLE_SETTING, DurableSettings
from tests.support.helpers import SECRET_ACCOUNT, Cli, Run

SUBSCRIPTION = "00000000-0000-0000-0000-0000000000aa"
GROUP = "rg-orders"
APP = "orders-test"
STICKY = "SLOT_ROLE"
# A release's waits: short, so a test ends soon, yet each stage still polls a few times.
FAST = ["--interval", "0.3", "--stable-for", "2", "--timeout", "20", "--verify-timeout", "2"]

# What App Service answered real swaps with, as users quoted them:
WARM_UP_TIMED_OUT = (
    # microsoft/azure-pipelines-tasks#15068
    f"Cannot swap slots for site '{APP}' because the warmup requests to application in "
    "'staging' slot have timed out."
)
WORKER_NOT_STARTED = (
    # microsoft/azure-pipelines-tasks#13003
    f"Cannot swap slots for site '{APP}' because the worker process for 'staging' slot could "
    "not be started."
)
PLEASE_RETRY = (
    # microsoft/azure-pipelines-tasks#12835
    f"Cannot swap slots for site '{APP}' because the allocation of VM instances for 'staging' "
    "slot has changed during the swap process. Please retry the swap operation."
)


@dataclass
class Deployment:
    arm: RunningArm
    site: SiteState
    production_connection: str
    """Where the production slot's hub lives (the key is SECRET_ACCOUNT's)."""
    runner: Cli
    """The CLI signed in to the ARM stand-in, no ambient AZURE_* variable in the way."""

    @property
    def stand_in(self) -> ArmStandIn:
        return self.arm.stand_in

    def slot(self, name: str) -> SlotState:
        return self.site.slots[name]

    def cli(self, *args: str) -> Run:
        return self.runner(*args)

    def app_args(self) -> list[str]:
        return ["--subscription", SUBSCRIPTION, "--resource-group", GROUP, "--app", APP]

    def health_url(self) -> str:
        return self.stand_in.content_url(self.arm.url, APP, "production")

    def swap_calls(self) -> int:
        return sum(1 for call in self.stand_in.calls if call.path.endswith("/slotsswap"))


def slot_settings(hub: str, connection: str, role: str, extra: dict[str, str]) -> dict[str, str]:
    return {
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": "python",
        STICKY: role,
        DEFAULT_DURABLE_SETTING: connection,
        **DurableSettings(hub_name=hub, connection_name=DEFAULT_DURABLE_SETTING).app_settings(),
        **extra,
    }


@contextmanager
def deployed(
    folder: Path, cli: Cli, production: dict[str, str], staging: dict[str, str], connection: str
) -> Iterator[Deployment]:
    """APP on the ARM stand-in (over TLS, certificate in `folder`), its two slots with these
    settings and `STICKY` a slot setting; `connection` where production's hub lives."""
    with running_arm(folder) as arm:
        site = arm.stand_in.add_site(
            SUBSCRIPTION,
            GROUP,
            APP,
            {
                "production": SlotState(production, content="orders 1.0"),
                "staging": SlotState(staging, content="orders 2.0"),
            },
            sticky=[STICKY],
        )
        ambient = {k: "" for k in os.environ if k.startswith("AZURE_")}
        yield Deployment(arm, site, connection, cli.with_env({**ambient, **arm.env}))
        # A run in this process leaves its HTTPS clients to the garbage collector (a process
        # of its own closes them as it exits); uvicorn's shutdown would wait on them.
        gc.collect()


@pytest.fixture(name="deployment")
def deployment_fixture(
    tmp_path: Path, azurite: Azurite, hub_name: str, cli: Cli
) -> Iterator[Deployment]:
    """Production runs `hub_name` on SECRET_ACCOUNT, staging the same name on another account."""
    production = azurite.connection_string(SECRET_ACCOUNT.name)
    staging = azurite.connection_string(DEV_ACCOUNT)
    with deployed(
        tmp_path,
        cli,
        slot_settings(hub_name, production, "prod", {"AzureWebJobs.Other.Disabled": "1"}),
        slot_settings(hub_name, staging, "stage", {}),
        production,
    ) as deployment:
        yield deployment


def release(deployment: Deployment, *args: str) -> tuple[int, dict[str, Any], str]:
    """`release --json` against `deployment`: exit code, its one JSON object (or {}), all output."""
    run = deployment.cli(
        "release",
        *deployment.app_args(),
        "--health-url",
        deployment.health_url(),
        "--json",
        *FAST,
        *args,
    )
    return run.code, (json.loads(run.stdout) if run.stdout.strip() else {}), run.output


def stages(result: dict[str, Any]) -> list[tuple[str, str]]:
    return [(s["stage"], s["status"]) for s in result["stages"]]
