"""The one error boundary: every failure is exit 2, one JSON object, no traceback, no key."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from azure.data.tables import TableServiceClient

from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.ledger import LEDGER_TABLE
from tests.support.helpers import SECRET_ACCOUNT, Cli, Run


def one_object(run: Run) -> dict[str, Any]:
    """stdout holds exactly one JSON object (json.loads refuses trailing data)."""
    assert "Traceback" not in run.output, run.output
    result: dict[str, Any] = json.loads(run.stdout)
    return result


@pytest.mark.parametrize(
    ("outputs", "says"),
    [
        ([1, 2], "not the outputs object"),
        ({"apps": [1]}, "no 'apps' output"),
        ({"apps": {"a": [1]}}, "not an object"),
        ({"apps": {"a": {"slots": {"production": "x"}}}}, "not an object"),
        ({"apps": {"a": {"slots": {"production": {"taskHub": 7}}}}}, "taskHub is 7"),
        ({"apps": {"a": {"slots": {"production": {"taskHub": "Ok1", "tableEndpoint": []}}}}}, ""),
    ],
)
@pytest.mark.parametrize("command", [["gate"], ["versions"], ["retire", "--version", "1.0"]])
def test_a_malformed_stack_output_is_exit_2(
    cli: Cli, tmp_path: Path, outputs: object, says: str, command: list[str]
) -> None:
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(outputs))
    run = cli(*command, "--stack-output", str(path), "--json")
    assert run.code == 2, run.output
    error = one_object(run)["error"]
    assert error["type"] == "ConfigurationError" and says in error["message"]


@pytest.mark.parametrize("outputs", [[1], {"router": 3}, {"apps": {"a": {"minor": 1}}}])
def test_routes_refuse_a_malformed_stack_output(
    cli: Cli, azurite: Azurite, tmp_path: Path, outputs: object
) -> None:
    path = tmp_path / "stack.json"
    path.write_text(json.dumps(outputs))
    run = cli(
        "routes", "sync", "--stack-output", str(path),
        "--connection-string", azurite.connection_string(), "--json",
    )  # fmt: skip
    assert run.code == 2, run.output
    assert one_object(run)["error"]["type"] == "ConfigurationError"


def test_an_unexpected_exception_is_exit_2_with_one_object(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    # A ledger row no version of this tool wrote: its Reasons are not JSON.
    ledger = service.create_table_if_not_exists(LEDGER_TABLE)
    ledger.upsert_entity(
        {"PartitionKey": hub_name, "RowKey": "0", "Reasons": "{not json", "RecordedAt": "x"}
    )
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    args = ["retire", "--hub", hub_name, "--history", "--connection-string", conn]
    as_json = cli(*args, "--json")
    assert as_json.code == 2, as_json.output
    error = one_object(as_json)["error"]
    assert error["type"] == "UnexpectedError" and "--debug" in error["fix"]
    text = cli(*args)
    assert text.code == 2 and "Traceback" not in text.output
    assert text.stdout.startswith("CANNOT DECIDE") and "fix:" in text.stdout
    debug = cli("--debug", *args)
    assert debug.code == 2 and "Traceback" in debug.stderr


def test_a_hub_name_equal_to_the_key_is_never_printed(
    cli: Cli, azurite: Azurite, host: DurableHostSimulator, tmp_path: Path
) -> None:
    host.write(SimulatedInstance("busy", "Flow", status="Running"))
    conn = azurite.connection_string(SECRET_ACCOUNT.name)
    key = SECRET_ACCOUNT.key
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(tmp_path / "out")}
    cases: list[tuple[list[str], dict[str, str] | None]] = [
        (["gate", "--connection-string", conn, "--hub", key, "--json"], env),
        (["gate", "--connection-string", conn, "--hub", key, "--ci", "azure-devops"], None),
        (["versions", "--connection-string", conn, "--hub", key, "--json"], None),
        (["retire", "--connection-string", conn, "--hub", key, "--version", key, "--json"], None),
        (["routes", "drain", key, "--connection-string", conn, "--json"], None),
        (["gate", "--hub", key, "--retries", "x", "--connection-string", conn, "--json"], None),
        (["gate", "--connection-setting", "Durable", "--hub", key, "--json"], {"Durable": conn}),
    ]
    for args, environ in cases:
        run = cli(*args, env=environ)
        assert run.code == 2, run.output
        assert key not in run.output
        if "--json" in args:
            one_object(run)
    assert key not in (tmp_path / "out").read_text()
