"""What a pipeline step sees of `durable-deploy`, from a process of its own.

Every other CLI test runs the command in the test process (tests/support/in_process.py);
these hold what only a real process shows: the installed console script, the exit status
the shell reads (0 from the console script, 1 and 2 below), stdout and stderr as two
separate pipes, and a start with nothing registered that an earlier run left behind.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from scripts.cli.app import toolkit_version
from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from tests.support.helpers import SECRET_ACCOUNT, Cli

CONSOLE_SCRIPT = Path(sys.executable).with_name("durable-deploy")


def _gate(cli: Cli, azurite: Azurite, hub: str, *args: str) -> list[str]:
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    return ["gate", "--connection-string", conn, "--hub", hub, "--timeout", "0", *args]


def test_the_console_script_runs_the_cli(cli: Cli) -> None:
    done = subprocess.run(
        [str(CONSOLE_SCRIPT), "--version"],
        capture_output=True,
        text=True,
        env=cli.environment(),
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"durable-deploy {toolkit_version()}"


def test_exit_statuses_and_the_two_streams(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("busy", "Flow", status="Running"))
    held = cli.process(*_gate(cli, azurite, host.hub.name, "--json"))
    assert held.code == 1, held.output
    assert json.loads(held.stdout)["drained"] is False  # stdout: the object, nothing else
    assert held.stderr.startswith("gate: hub")  # what it reads, and where: stderr only

    missing = cli.process(*_gate(cli, azurite, f"{host.hub.name}missing", "--json"))
    assert missing.code == 2, missing.output
    assert json.loads(missing.stdout)["error"]["type"] == "HubNotFoundError"
    assert "Traceback" not in missing.output
    assert SECRET_ACCOUNT.key not in missing.output
