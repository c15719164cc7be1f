"""One output envelope: every command's `--json` answer carries `command` (as the boundary names
it) and `exit_code` (the process's own), on its own success or "not yet" path, not only on the
error path the boundary writes."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient
from typer.core import TyperCommand, TyperGroup
from typer.main import get_group

from scripts.cli.app import app
from scripts.cli.commands import register_all
from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import DEFAULT_TRACKING_PREFIX, TaskHub
from tests.support.arm_fixtures import Deployment
from tests.support.checkout import ROOT
from tests.support.helpers import SECRET_ACCOUNT, Cli, Run, plan_outputs_file

FLOW = """def flow_v1(context):
    yield context.call_activity("Step_V1", None)
"""
FUNCTION_APP = """import azure.durable_functions as df
from flows import flow_v1

app = df.DFApp()
app.function_name("Flow_V1")(app.orchestration_trigger(context_name="context")(flow_v1.flow_v1))
"""


def _commands(group: TyperGroup, prefix: str = "") -> Iterator[str]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from _commands(command, f"{prefix}{name} ")
        else:
            assert isinstance(command, TyperCommand)
            yield prefix + name


register_all()
_root = get_group(app)
assert isinstance(_root, TyperGroup)
COMMANDS = set(_commands(_root))


def _enveloped(command: str, run: Run) -> None:
    assert "Traceback" not in run.output, run.output
    answer = json.loads(run.stdout)
    assert "error" not in answer or answer["error"] is None, (command, run.output)
    assert answer["command"] == command, answer
    assert answer["exit_code"] == run.code, (command, run.output)


OFFLINE = {"lint", "plan", "check", "scaffold-version"}
HUB = {"versions", "gate", "retire", "replay-check"}
SLOTS = {"quiesce", "resume", "swap", "release"}
ROUTES = {f"routes {name}" for name in ("sync", "list", "set-current", "ramp", "ramp-watch")}
ROUTES |= {"routes drain", "routes retire"}


def test_the_cases_below_cover_every_command() -> None:
    assert OFFLINE | HUB | SLOTS | ROUTES == COMMANDS


class Checked:
    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, command: str, run: Run) -> None:
        _enveloped(command, run)
        self.seen.add(command)


def test_the_offline_commands(cli: Cli, tmp_path: Path) -> None:
    check = Checked()
    check("lint", cli("lint", str(ROOT / "tests/lint_fixtures/ddz001/clean"), "--json"))
    check("plan", cli("plan", "--stack", "dev", "--json"))
    check("check", cli("check", "--stack", "dev", "--json"))
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "flow_v1.py").write_text(FLOW)
    (tmp_path / "function_app.py").write_text(FUNCTION_APP)
    scaffold = ["--app-dir", str(tmp_path), "--module", "flows/flow_v1.py", "--json"]
    check("scaffold-version", cli("scaffold-version", *scaffold))
    assert check.seen == OFFLINE


def test_the_commands_that_read_a_hub(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator
) -> None:
    check = Checked()
    host.write(SimulatedInstance("done-1", "Flow", status="Completed", version="1.0"))
    hub = ["--hub", host.hub.name, "--connection-string"]
    hub.append(azurite.connection_string(SECRET_ACCOUNT.name))
    check("versions", cli("versions", *hub, "--json"))
    watching = ["--watch", "--until-drained", "1.0", "--timeout", "0", "--stable-for", "1"]
    check("versions", cli("versions", *hub, *watching, "--json"))
    check("gate", cli("gate", *hub, "--timeout", "0", "--json"))
    check("retire", cli("retire", "--version", "1.0", *hub, "--json"))
    check("retire", cli("retire", "--history", *hub, "--json"))
    replay = ["--app-dir", str(ROOT / "apps" / "orders"), "--orchestrator", "ProcessOrder"]
    check("replay-check", cli("replay-check", *replay, *hub, "--json"))
    assert check.seen == HUB


def test_the_commands_that_change_slots(deployment: Deployment) -> None:
    check = Checked()
    site = deployment.app_args()
    check(
        "quiesce",
        deployment.cli("quiesce", *site, "--slot", "staging", "--function", "Start", "--json"),
    )
    check("resume", deployment.cli("resume", *site, "--slot", "staging", "--json"))
    check("swap", deployment.cli("swap", *site, "--action", "preview", "--json"))
    check("swap", deployment.cli("swap", *site, "--action", "reset", "--json"))
    fast = ["--interval", "0.3", "--stable-for", "1", "--timeout", "5", "--verify-timeout", "5"]
    release = deployment.cli(
        "release", *site, "--health-url", deployment.health_url(), *fast, "--json"
    )
    check("release", release)
    assert check.seen == SLOTS


@pytest.fixture(scope="module")
def tracking_store() -> Iterator[Azurite]:
    with Azurite((SECRET_ACCOUNT,)) as own:
        yield own


def test_the_route_commands(cli: Cli, tracking_store: Azurite, tmp_path: Path) -> None:
    check = Checked()
    stack = plan_outputs_file(cli, "routing", tmp_path)
    store = tracking_store.connection_string(SECRET_ACCOUNT.name)
    where = ["--stack-output", str(stack), "--connection-string", store, "--json"]
    check("routes sync", cli("routes", "sync", *where))
    check("routes list", cli("routes", "list", *where))
    check("routes set-current", cli("routes", "set-current", "1.1", *where))
    with TableServiceClient.from_connection_string(store) as service:
        for minor_hub in ("OrdersV1x0", "OrdersV1x1"):
            tracked = DurableHostSimulator(
                service, TaskHub(minor_hub, tracking_prefix=DEFAULT_TRACKING_PREFIX)
            )
            tracked.create_hub()
            tracked.write(SimulatedInstance(f"{minor_hub}-1", "Flow", status="Completed"))
    check("routes ramp", cli("routes", "ramp", "1.0", "--percent", "10", *where))
    ramp_watch = ["--duration", "1s", "--interval", "1s", "--min-finished", "1"]
    check("routes ramp-watch", cli("routes", "ramp-watch", "1.0", *ramp_watch, *where))
    check("routes drain", cli("routes", "drain", "1.0", *where))
    check("routes retire", cli("routes", "retire", "1.0", *where))
    assert check.seen == ROUTES
