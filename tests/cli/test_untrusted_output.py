"""No output carries a live logging command, workflow command or escape taken from row data.

Rows are planted in a real Azurite as the host writes them (DurableHostSimulator), with the
values an attacker controls: a version the sample app copied from `?version=` that holds an
Azure Pipelines `setvariable` and a shell payload, an id that starts with `::stop-commands::`,
an id with a newline followed by a forged `::error::`, an orchestrator name with `##[group]`,
and ESC sequences that would erase "NOT DRAINED" on a terminal. Every command that prints
row data runs on them under `--ci github` and `--ci azure-devops`, as text and as JSON.

What the runners act on (actions/runner `ActionCommand`: `TryParseV2` after `TrimStart`,
`TryParse` on `##[` anywhere; the Azure Pipelines agent on `##vso[` anywhere) is checked
line by line; only the annotations and step outputs the toolkit writes itself may be live.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator

import pytest
from azure.data.tables import TableServiceClient

from scripts.cli.untrusted import neutralise
from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.routes import Route, RouteStore
from tests.support.checkout import ROOT
from tests.support.helpers import SECRET_ACCOUNT, Cli, Run

EVIL_VERSION = '2.0 ##vso[task.setvariable variable=app]x"; id; echo "'
FORGED_ID = "evil\n::error::forged"
STOP_ID = "::stop-commands::tok"
ESC_ID = "esc\x1b[2K\x1b[1ADRAINED"
EVIL_NAME = "Flow ##[group]x"
EVIL_STATUS = "Running\x9b2K"

OURS = re.compile(
    r"^(::(error|warning|notice) "
    r"|##vso\[task\.logissue type=(error|warning)[;\]]"
    r"|##vso\[task\.setvariable variable=(drained|not_finished|unfinished|rollout_safe"
    r"|retire_safe);isOutput=true\])"
)
CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


def live_commands(text: str) -> list[str]:
    """Lines a runner or a terminal would act on that the toolkit did not write itself."""
    found = []
    for line in text.split("\n"):
        stripped = line.lstrip()
        ours = bool(OURS.match(line))
        if CONTROL.search(line):
            found.append(f"control character: {line!r}")
        if "##[" in line:
            found.append(f"##[ command: {line!r}")
        marks = len(re.findall(r"##vso\[", line, re.IGNORECASE))
        if marks and not (ours and marks == 1 and line.startswith("##vso[")):
            found.append(f"##vso command: {line!r}")
        if stripped.startswith("::") and not (ours and line == stripped):
            found.append(f"workflow command: {line!r}")
    return found


@pytest.fixture
def planted(service: TableServiceClient, host: DurableHostSimulator) -> DurableHostSimulator:
    for instance in (
        SimulatedInstance(FORGED_ID, EVIL_NAME, "Running", EVIL_VERSION),
        SimulatedInstance(STOP_ID, EVIL_NAME, "Pending", EVIL_VERSION),
        SimulatedInstance(ESC_ID, EVIL_NAME, EVIL_STATUS, "1.0"),
    ):
        host.write(instance)
    return host


def _hub_args(azurite: Azurite, host: DurableHostSimulator) -> list[str]:
    return [
        "--hub",
        host.hub.name,
        "--connection-string",
        azurite.connection_string(SECRET_ACCOUNT.name),
    ]


COMMANDS = {
    "gate": ["gate", "--timeout", "0"],
    "versions": ["versions", "--worker-version", "1.0"],
    "versions --watch": ["versions", "--watch", "--until-drained", "9.0", "--timeout", "0"],
    "retire (unrecorded)": ["retire", "--version", "1.0.0"],
    "replay-check": [
        "replay-check",
        "--app-dir",
        str(ROOT / "apps" / "orders"),
        "--orchestrator",
        "ProcessOrder",
        "--name",
        EVIL_NAME,
    ],
}


def _runs(cli: Cli, args: list[str]) -> Iterator[tuple[str, Run]]:
    for ci in ("github", "azure-devops"):
        for mode in ([], ["--json"]):
            yield f"--ci {ci} {' '.join(mode)}", cli(*args, "--ci", ci, *mode)


@pytest.mark.parametrize("name", COMMANDS)
def test_no_planted_row_becomes_a_live_command(
    cli: Cli, azurite: Azurite, planted: DurableHostSimulator, name: str
) -> None:
    args = [*COMMANDS[name], *_hub_args(azurite, planted)]
    for how, run in _runs(cli, args):
        assert run.code in (0, 1, 2), (how, run.output)
        assert "Traceback" not in run.output, run.output
        assert live_commands(run.stdout) == [], (name, how, run.stdout)
        assert live_commands(run.stderr) == [], (name, how, run.stderr)
        if "--json" in how:
            json.loads(run.stdout)  # still one JSON object


def test_the_values_stay_readable_and_complete(
    cli: Cli, azurite: Azurite, planted: DurableHostSimulator
) -> None:
    run = cli("gate", "--timeout", "0", *_hub_args(azurite, planted), "--json")
    shown = {i["instance_id"]: i for i in json.loads(run.stdout)["instances"]}
    assert set(shown) == {neutralise(i) for i in (FORGED_ID, STOP_ID, ESC_ID)}
    assert shown[neutralise(FORGED_ID)]["version"] == "2.0 \\x23#vso[task.setvariable " + (
        'variable=app]x"; id; echo "'
    )
    assert neutralise(FORGED_ID) == "evil\\x0a::error::forged"
    assert neutralise(STOP_ID) == "\\x3a:stop-commands::tok"
    assert neutralise(ESC_ID) == "esc\\x1b[2K\\x1b[1ADRAINED"
    text = cli("gate", "--timeout", "0", *_hub_args(azurite, planted)).stdout
    assert "NOT DRAINED" in text and "esc\\x1b[2K\\x1b[1ADRAINED" in text


def test_planted_route_rows_stay_inert(cli: Cli, azurite: Azurite) -> None:
    # The dev account's route table: the router tests keep theirs in SECRET_ACCOUNT's.
    connection = azurite.connection_string()
    with TableServiceClient.from_connection_string(connection) as service:
        store = RouteStore(service)
        store.save(
            Route("7.0", f"app {EVIL_NAME}", "https://a.example", EVIL_VERSION, STOP_ID),
            Route("7.1", "app\x1b[2K", "https://b.example", "7.1.0", FORGED_ID, current=True),
        )
    for how, run in _runs(cli, ["routes", "list", "--connection-string", connection]):
        assert run.code == 0, (how, run.output)
        assert live_commands(run.stdout + run.stderr) == [], (how, run.output)


@pytest.mark.parametrize(
    "line",
    [
        "::stop-commands::x",
        "  ::error::x",
        "a ##vso[task.setvariable variable=app]x",
        "##[group]x",
        "NOT DRAINED\x1b[2K",
        "##vso[task.setvariable variable=app]x",
    ],
)
def test_the_checker_sees_what_a_runner_would_act_on(line: str) -> None:
    assert live_commands(line), line
    assert not live_commands(neutralise(line)), neutralise(line)
