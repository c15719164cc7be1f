"""What the user's code prints never reaches stdout, and never reaches a log live
(scripts/cli/streams.py).

`replay-check` imports the app and replays its orchestrators; an app that prints at import
and while it replays (a `print` left in, or a value an attacker controls) must not break the
`--json` contract (stdout is exactly one object) nor write a live `##vso[`, workflow command
or escape sequence to either stream. A worker forked while the command runs inherits the
same inert stdout.
"""

from __future__ import annotations

import os
import textwrap
from contextlib import redirect_stderr
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient
from azure.durable_functions import Orchestrator
from azure.storage.blob import BlobServiceClient
from orders import orchestration

from scripts.cli.streams import answer_stream, answers_only
from standins.azurite import Azurite
from standins.history_simulator import HistoryWriter, drive
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from tests.cli.test_untrusted_output import live_commands
from tests.support.checkout import ROOT
from tests.support.helpers import ACTIVITIES, SECRET_ACCOUNT, Cli, replay_check

AT_IMPORT = "import ##vso[task.setvariable variable=drained;isOutput=true]true\x1b[2K"
AT_REPLAY = "::error::forged\x1b[1A"

NOISY_APP = f"""
import azure.durable_functions as df
from orders.orchestration import process_order

print({AT_IMPORT!r})
app = df.DFApp()


def noisy(context):
    print({AT_REPLAY!r}, end="")
    print(" and more")
    return (yield from process_order(context))


app.function_name("ProcessOrder")(app.orchestration_trigger(context_name="context")(noisy))
"""


@pytest.mark.parametrize("own_process", [False, True], ids=["in-process", "process"])
def test_an_app_that_prints_keeps_stdout_one_json_object_and_every_line_inert(
    cli: Cli,
    azurite: Azurite,
    service: TableServiceClient,
    host: DurableHostSimulator,
    tmp_path: Path,
    own_process: bool,
) -> None:
    """In a process of its own the replays run in forked workers (scripts/stages/replay/
    workers.py), whose prints reach stderr through the descriptor they inherit."""
    blobs = BlobServiceClient.from_connection_string(azurite.connection_string(SECRET_ACCOUNT.name))
    run = drive(
        Orchestrator.create(orchestration.process_order),
        ACTIVITIES,
        instance_id="noisy-1",
        version="1.0",
        input={"id": "o-1", "amount": 5},
        steps=2,
    )
    HistoryWriter(service, blobs, host.hub).write(run)
    host.write(
        SimulatedInstance("noisy-1", run.name, "Running", "1.0", execution_id=run.execution_id)
    )
    (tmp_path / "function_app.py").write_text(textwrap.dedent(NOISY_APP))

    done, result = replay_check(
        cli,
        azurite,
        host.hub.name,
        "--app-dir",
        str(tmp_path),
        "--orchestrator",
        "ProcessOrder",
        env={"PYTHONPATH": os.pathsep.join([str(ROOT / "apps" / "orders"), str(ROOT)])},
        own_process=own_process,
    )

    assert done.code == 0, done.output
    assert result["command"] == "replay-check" and result["replayed"] == 1
    assert live_commands(done.stdout) == [] and live_commands(done.stderr) == []
    assert "import \\x23#vso[task.setvariable variable=drained" in done.stderr
    assert "\\x3a:error::forged\\x1b[1A and more" in done.stderr


def test_a_forked_worker_prints_inert_to_stderr(tmp_path: Path) -> None:
    log = tmp_path / "stderr"
    with log.open("w") as stderr, redirect_stderr(stderr), answers_only():
        stderr.flush()
        child = os.fork()
        if child == 0:  # the worker: print as user code would, and end as a worker ends
            print("##vso[task.complete result=Succeeded]\x1b[2K")
            os._exit(0)
        os.waitpid(child, 0)
    assert log.read_text() == "\\x23#vso[task.complete result=Succeeded]\\x1b[2K\n"


def test_the_answer_still_goes_to_the_stdout_the_command_started_with() -> None:
    outer = answer_stream()
    with answers_only():
        assert answer_stream() is outer
