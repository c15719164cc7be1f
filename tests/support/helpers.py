"""What tests share besides fixtures: the test account and the CLI runner.

Fixtures live in conftest.py; everything a test imports by name lives here or beside it in
tests/support, so no test imports conftest.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import pkgutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

from azure.data.tables.aio import TableServiceClient as AsyncTableServiceClient
from orders import orchestration

from standins.azurite import Account, Azurite
from tests.support.checkout import ROOT, SHIPPED
from tests.support.in_process import run_main

# A key made up for the tests, so "the key never appears in output" can be checked.
SECRET_ACCOUNT = Account("slotdurable", "dGVzdC1zZWNyZXQta2V5LXRoYXQtbXVzdC1uZXZlci1sZWFr")
WRONG_KEY = "d3Jvbmcta2V5LXdyb25nLWtleS13cm9uZy1rZXk="
"""A well-formed key that is not SECRET_ACCOUNT's."""
CLI = [sys.executable, "-m", "scripts.cli"]
# The sample app's activities, by the names its orchestrator schedules, for the SDK's replay.
ACTIVITIES: dict[str, Callable[[Any], Any]] = {
    "ValidateOrder": orchestration.validate_order,
    "ApplyDiscount": orchestration.apply_discount,
    "ProcessPayment": orchestration.process_payment,
    "ProcessPaymentWithDiscount": orchestration.process_payment,
    "ShipOrder": orchestration.ship_order,
}
# A test sets these itself when it wants annotations; inherited, they would add lines.
_CI_VARIABLES = ("GITHUB_ACTIONS", "TF_BUILD")


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr

    @property
    def json(self) -> Any:
        """The one JSON object a `--json` run prints; extra output after it fails here."""
        return json.loads(self.stdout)


@dataclass(frozen=True)
class Cli:
    """`durable-deploy` from the checkout under test, with what a pipeline gives it.

    `cli(*args)` runs it in this process (tests/support/in_process.py: a fresh argv,
    environment, working directory and registries each run), `cli.process(*args)` and
    `cli.popen(*args)` as a process of its own: for what only a process shows, and for runs
    a test talks to while they last. `env` is what every run of this runner adds (an ARM
    stand-in's address, say); a run adds its own on top.
    """

    env: Mapping[str, str] = field(default_factory=dict)

    def with_env(self, env: Mapping[str, str]) -> Cli:
        return Cli({**self.env, **env})

    def environment(self, env: Mapping[str, str] | None = None) -> dict[str, str]:
        inherited = {k: v for k, v in os.environ.items() if k not in _CI_VARIABLES}
        return {**inherited, **self.env, **(env or {})}

    def __call__(self, *args: str, env: Mapping[str, str] | None = None) -> Run:
        return Run(*run_main(args, self.environment(env), ROOT))

    def process(
        self, *args: str, env: Mapping[str, str] | None = None, timeout: float = 120
    ) -> Run:
        done = subprocess.run(
            [*CLI, *args],
            capture_output=True,
            text=True,
            env=self.environment(env),
            timeout=timeout,
            cwd=ROOT,
        )
        return Run(done.returncode, done.stdout, done.stderr)

    def popen(
        self, *args: str, env: Mapping[str, str] | None = None, **streams: Any
    ) -> subprocess.Popen[str]:
        """A run the test talks to while it lasts: reads its progress, stops what it uses."""
        return subprocess.Popen(
            [*CLI, *args], text=True, env=self.environment(env), cwd=ROOT, **streams
        )


_planned: dict[str, str] = {}
"""Stack outputs by stack name, as JSON text."""


def plan_outputs_file(cli: Cli, stack: str, folder: Path) -> Path:
    """`pulumi stack output --json` as the offline plan computes it, written to a file.

    Planned once per stack and worker: the plan is a pure function of the checkout's stack
    file, and tests/components/test_plan.py is where planning itself is tested.
    """
    if stack not in _planned:
        run = cli("plan", "--stack", stack, "--json")
        assert run.code == 0, run.output
        _planned[stack] = json.dumps(run.json["outputs"])
    path = folder / f"{stack}.json"
    path.write_text(_planned[stack])
    return path


def secret_account_connection(
    azurite: Azurite, *, name: str = SECRET_ACCOUNT.name, key: str = SECRET_ACCOUNT.key
) -> str:
    """SECRET_ACCOUNT's connection string on `azurite`, or with another account `name` (one
    that does not exist) or another `key` (a wrong one) in it."""
    connection = azurite.connection_string(SECRET_ACCOUNT.name)
    return connection.replace(SECRET_ACCOUNT.name, name).replace(SECRET_ACCOUNT.key, key)


def gate_once(cli: Cli, connection: str, hub: str, *args: str) -> Run:
    """`gate --json` reading `hub` once, without retries: what a connection answers."""
    once = ("--timeout", "0", "--retries", "0", "--json")
    return cli("gate", "--connection-string", connection, "--hub", hub, *once, *args)


def on_test_account(cli: Cli, azurite: Azurite, *args: str) -> Run:
    """A command against SECRET_ACCOUNT's tables in `azurite`, answering in JSON."""
    return cli(
        *args, "--connection-string", azurite.connection_string(SECRET_ACCOUNT.name), "--json"
    )


def replay_check(
    cli: Cli,
    azurite: Azurite,
    hub: str,
    *args: str,
    env: dict[str, str] | None = None,
    own_process: bool = False,
) -> tuple[Run, dict[str, Any]]:
    """One `replay-check --json` run: never a traceback, always exactly one JSON object.
    `own_process`: as a process of its own (where the replays run in forked workers)."""
    run = (cli.process if own_process else cli)(
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
    return run, run.json


def route_table(run: Run) -> dict[str, dict[str, object]]:
    """A successful `routes ... --json` run's table, by minor version."""
    assert run.code == 0, run.output
    return {r["minor"]: r for r in run.json["routes"]}


def async_service(azurite: Azurite, **options: object) -> AsyncTableServiceClient:
    """The async client the router reads owners with (it binds to the server's loop)."""
    return AsyncTableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name),
        **options,
    )


def _modules() -> Iterator[ModuleType]:
    for package in SHIPPED:
        root = importlib.import_module(package)
        yield root
        for info in pkgutil.walk_packages(root.__path__, f"{package}."):
            if not info.name.endswith(".__main__"):  # running those starts a CLI or a pack
                yield importlib.import_module(info.name)


@cache
def toolkit_errors() -> dict[str, type[BaseException]]:
    """Every exception class defined at module level in the shipped packages, by name."""
    found: dict[str, type[BaseException]] = {}
    for module in _modules():
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and issubclass(value, BaseException)
                and value.__module__ == module.__name__
            ):
                assert name not in found, f"two exception classes named {name}"
                found[name] = value
    return found
