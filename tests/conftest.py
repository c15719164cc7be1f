"""Shared fixtures: a real Azurite on free loopback ports, and the CLI run as a process."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import DEV_ACCOUNT, Account, Azurite
from standins.host_simulator import DurableHostSimulator
from taskhub.hubs import TaskHub

# A key made up for the tests, so "the key never appears in output" can be checked.
SECRET_ACCOUNT = Account("slotdurable", "dGVzdC1zZWNyZXQta2V5LXRoYXQtbXVzdC1uZXZlci1sZWFr")
CLI = [sys.executable, "-m", "scripts.cli"]
ROOT = Path(__file__).resolve().parent.parent
_hub_numbers = itertools.count(1)
pytest_plugins = ("tests.arm_fixtures",)


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    with Azurite((Account(DEV_ACCOUNT), SECRET_ACCOUNT), blobs=True) as emulator:
        yield emulator


@pytest.fixture
def hub_name() -> str:
    """A fresh hub per test, so tests sharing one Azurite never see each other's rows."""
    return f"hub{os.getpid()}n{next(_hub_numbers)}"


@pytest.fixture
def service(azurite: Azurite) -> Iterator[TableServiceClient]:
    with TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name)
    ) as client:
        yield client


@pytest.fixture
def host(service: TableServiceClient, hub_name: str) -> DurableHostSimulator:
    simulator = DurableHostSimulator(service, TaskHub(hub_name))
    simulator.create_hub()
    return simulator


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


def run_cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120) -> Run:
    full_env = {k: v for k, v in os.environ.items() if k not in ("GITHUB_ACTIONS", "TF_BUILD")}
    full_env.update(env or {})
    done = subprocess.run(
        [*CLI, *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        cwd=ROOT,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def plan_outputs_file(stack: str, folder: Path) -> Path:
    """`pulumi stack output --json` as the offline plan computes it, written to a file."""
    run = run_cli("plan", "--stack", stack, "--json")
    assert run.code == 0, run.output
    path = folder / f"{stack}.json"
    path.write_text(json.dumps(json.loads(run.stdout)["outputs"]))
    return path
