"""The gate reads hub names from `pulumi stack output --json` instead of retyped flags."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient

from scripts.stages.target import resolve_address
from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.errors import ConfigurationError
from taskhub.hubs import TaskHub
from taskhub.sources import HubAddress
from tests.support.helpers import SECRET_ACCOUNT, Cli, plan_outputs_file


@pytest.fixture(scope="module")
def stack_output(cli: Cli, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The dev stack's outputs, as the offline plan computes them."""
    return plan_outputs_file(cli, "dev", tmp_path_factory.mktemp("stack"))


def _from_stack(stack_output: Path, *, app: str | None, slot: str, hub: str | None) -> HubAddress:
    """The hub address with nothing but the stack outputs (and maybe --app, --slot, --hub)."""
    return resolve_address(
        hub=hub,
        stack_output=stack_output,
        app=app,
        slot=slot,
        environ={},
        tracking_prefix=None,
        connection_string=None,
        account_url=None,
        connection_setting=None,
    )


def test_stack_output_alone_reads_the_slot_endpoint_with_entra_id(stack_output: Path) -> None:
    target = _from_stack(stack_output, app=None, slot="staging", hub=None)
    assert target.hub == TaskHub("OrdersDev")
    assert target.connection.endpoint == "https://ordersdevdstaging.table.core.windows.net"
    assert "DefaultAzureCredential" in target.connection.description


@pytest.mark.parametrize(
    ("app", "slot", "hub", "says"),
    [
        ("orders-prod", "production", None, "no app 'orders-prod'"),
        (None, "blue", None, "one of: production, staging"),
        (None, "production", "Other", "contradicts"),
    ],
)
def test_wrong_app_slot_or_hub_is_refused(
    stack_output: Path, app: str | None, slot: str, hub: str | None, says: str
) -> None:
    with pytest.raises(ConfigurationError, match=says):
        _from_stack(stack_output, app=app, slot=slot, hub=hub)


def test_gate_takes_the_hub_from_the_stack(
    cli: Cli, azurite: Azurite, service: TableServiceClient, stack_output: Path
) -> None:
    host = DurableHostSimulator(service, TaskHub("OrdersDev"))
    host.create_hub()
    host.write(SimulatedInstance("in-flight", "ProcessOrder", status="Running"))
    run = cli(
        "gate",
        "--stack-output",
        str(stack_output),
        "--app",
        "orders-dev",
        "--slot",
        "production",
        "--connection-string",
        azurite.connection_string(SECRET_ACCOUNT.name),
        "--timeout",
        "0",
        "--json",
    )
    assert run.code == 1, run.output
    result = json.loads(run.stdout)
    assert result["hub"] == "OrdersDev" and result["not_finished"] == 1
    missing = cli("gate", "--stack-output", str(stack_output.parent / "none.json"))
    assert missing.code == 2 and "does not exist" in missing.stdout


def _slot_file(folder: Path, text: str) -> Path:
    path = folder / "outputs.json"
    path.write_text(text, encoding="utf-8")
    return path


def _one_slot(**values: object) -> str:
    slot = {"taskHub": "OrdersHub", "tableEndpoint": "https://acct.table.core.windows.net"}
    return json.dumps({"apps": {"orders": {"slots": {"production": {**slot, **values}}}}})


def test_a_byte_order_mark_is_read_past(tmp_path: Path) -> None:
    """PowerShell's `pulumi stack output --json > FILE` writes UTF-8 with a BOM."""
    target = _from_stack(
        _slot_file(tmp_path, "\ufeff" + _one_slot()), app=None, slot="production", hub=None
    )
    assert target.hub == TaskHub("OrdersHub")


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 100_000 + "]" * 100_000, "nested too deeply"),
        ('{"apps": ' + '{"a": ' * 50_000 + "1" + "}" * 50_001, "nested too deeply"),
        (_one_slot().replace('"OrdersHub"', "1" + "0" * 5000), "integer string conversion"),
        (_one_slot(tableEndpoint="https://[acct.table.core.windows.net"), "tableEndpoint"),
        (_one_slot(tableEndpoint="https://evil.example\\.table.core.windows.net"), "tableEndpoint"),
    ],
    ids=["deep list", "deep object", "long number", "bracket in endpoint", "backslash"],
)
def test_a_malformed_stack_output_is_a_configuration_error(
    tmp_path: Path, text: str, says: str
) -> None:
    """Never RecursionError, the int limit's ValueError or urlsplit's "Invalid IPv6 URL",
    which the boundary would report as unexpected ("report it")."""
    with pytest.raises(ConfigurationError, match=says):
        _from_stack(_slot_file(tmp_path, text), app=None, slot="production", hub=None)
