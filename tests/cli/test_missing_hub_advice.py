"""A missing hub's fix offers `--allow-missing-hub` on the commands that take it (gate,
release, versions --watch) and on no other: advice a command would reject, or accept and
ignore (`versions` without `--watch`), is not a fix."""

from __future__ import annotations

import pytest

from standins.azurite import Azurite
from tests.support.helpers import SECRET_ACCOUNT, Cli

ONCE = ["--timeout", "0", "--retries", "0"]
OFFERED = {
    "gate": ["gate", *ONCE],
    "versions --watch": ["versions", "--watch", "--until-drained", "1.0", *ONCE],
}
NOT_OFFERED = {
    "versions": ["versions", "--retries", "0"],
    "versions --allow-missing-hub": ["versions", "--allow-missing-hub", "--retries", "0"],
    "retire": ["retire", "--version", "1.0", "--retries", "0"],
    "replay-check": ["replay-check", "--app-dir", "apps/orders", "--orchestrator", "ProcessOrder"],
}


def _fix(cli: Cli, azurite: Azurite, hub_name: str, args: list[str]) -> str:
    connection = ["--connection-string", azurite.connection_string(SECRET_ACCOUNT.name)]
    run = cli(*args, "--hub", f"{hub_name}never", *connection, "--json")
    assert run.code == 2, run.output
    assert run.json["error"]["type"] == "HubNotFoundError", run.output
    fix: str = run.json["error"]["fix"]
    return fix


@pytest.mark.parametrize("args", OFFERED.values(), ids=OFFERED.keys())
def test_a_command_taking_the_option_offers_it(
    cli: Cli, azurite: Azurite, hub_name: str, args: list[str]
) -> None:
    assert "pass --allow-missing-hub if the hub may not exist yet" in _fix(
        cli, azurite, hub_name, args
    )


@pytest.mark.parametrize("args", NOT_OFFERED.values(), ids=NOT_OFFERED.keys())
def test_a_command_without_it_does_not(
    cli: Cli, azurite: Azurite, hub_name: str, args: list[str]
) -> None:
    fix = _fix(cli, azurite, hub_name, args)
    assert "--allow-missing-hub" not in fix
    assert "check the hub name" in fix
