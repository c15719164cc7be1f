"""The sample app's orchestrator, driven through the SDK's own replay, per version.

Each episode feeds the SDK the history so far exactly as the host would (see
standins/history_simulator.py) and records what the code asks for next, so a change to the
1.0 path fails here.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from azure.durable_functions.orchestrator import Orchestrator
from orders import orchestration

from standins.history_simulator import drive
from tests.support.checkout import ROOT, orders_function_app
from tests.support.helpers import ACTIVITIES

ORDER = {"id": "o-1", "amount": 100}


def activity_sequence(fn: Callable[..., Any], version: str | None) -> list[str]:
    """Runs the orchestrator to its end through the SDK; what it scheduled, in order."""
    run = drive(
        Orchestrator.create(fn),
        ACTIVITIES,
        instance_id="i-1",
        version=version,
        input=ORDER,
        steps=20,
    )
    return run.scheduled()


LEGACY = ["ValidateOrder", "ProcessPayment", "timer", "ShipOrder"]
CURRENT = ["ValidateOrder", "ApplyDiscount", "ProcessPaymentWithDiscount", "ShipOrder"]


@pytest.mark.parametrize(
    ("version", "expected"),
    [
        ("1.0", LEGACY),
        (None, LEGACY),
        ("0.9", LEGACY),
        ("2.0", CURRENT),
        ("1.0.0", CURRENT),
        ("10.0", CURRENT),
    ],
)
def test_each_version_takes_its_own_path(version: str | None, expected: list[str]) -> None:
    assert activity_sequence(orchestration.process_order, version) == expected


def test_a_changed_legacy_path_is_caught() -> None:
    def changed(context: Any) -> Any:  # swaps the 1.0 path's first two activities
        order = context.get_input()
        yield context.call_activity("ProcessPayment", order)
        yield context.call_activity("ValidateOrder", order)
        return (yield context.call_activity("ShipOrder", order))

    assert activity_sequence(changed, "1.0") != LEGACY


def test_the_app_indexes_every_function() -> None:
    names = {f.get_function_name() for f in orders_function_app().app.get_functions()}
    assert {
        "ProcessOrder",
        "ValidateOrder",
        "ApplyDiscount",
        "ProcessPayment",
        "ProcessPaymentWithDiscount",
        "ShipOrder",
        "StatusCheck",
        "start_order",
    } <= names
    host = json.loads((ROOT / "apps" / "orders" / "host.json").read_text())
    assert host["extensionBundle"]["version"] == "[4.30.0, 5.0.0)"
    assert host["extensions"]["durableTask"]["defaultVersion"] == "2.0"


def test_status_check_reads_the_apps_own_hub(azurite: Any, host: Any) -> None:
    from orders.status import status_check

    from tests.support.helpers import SECRET_ACCOUNT

    environ = {
        "DurableManagementStorage": azurite.connection_string(SECRET_ACCOUNT.name),
        "AzureFunctionsJobHost__extensions__durableTask__hubName": host.hub.name,
    }
    assert status_check(environ) == (
        200,
        {
            "drained": True,
            "hub": host.hub.name,
            "not_finished": 0,
            "by_status": {},
            "by_version": {},
        },
    )
    from standins.host_simulator import SimulatedInstance

    host.write(SimulatedInstance("o-9", "ProcessOrder", "Suspended", "1.0"))
    code, body = status_check(environ)
    assert (code, body["drained"], body["by_version"]) == (200, False, {"1.0": 1})
    missing = {**environ, "AzureFunctionsJobHost__extensions__durableTask__hubName": "NoSuchHub"}
    code, body = status_check(missing)
    assert code == 503 and body["drained"] is False
    assert SECRET_ACCOUNT.key not in json.dumps(body)
