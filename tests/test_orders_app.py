"""The sample app's orchestrator, driven through the SDK's own replay, per version.

Each step feeds the SDK a history exactly as the host would (ExecutionStarted with the
instance's Version, then TaskScheduled/TaskCompleted pairs for every activity so far) and
reads back the actions it asks for, so a change to the 1.0 path fails here.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from azure.durable_functions.models.DurableOrchestrationContext import (
    DurableOrchestrationContext,
)
from azure.durable_functions.orchestrator import Orchestrator

from tests.conftest import ROOT

sys.path.insert(0, str(ROOT / "apps" / "orders"))

from orders import orchestration

NOW = datetime(2026, 11, 1, tzinfo=UTC).isoformat().replace("+00:00", "Z")
ORDER = {"id": "o-1", "amount": 100}


def event(event_type: int, event_id: int = -1, **fields: Any) -> dict[str, Any]:
    return {
        "EventType": event_type,
        "EventId": event_id,
        "IsPlayed": True,
        "Timestamp": NOW,
        "Result": None,
        "TimerId": None,
        **fields,
    }


def run(fn: Callable[..., Any], version: str | None, results: list[Any]) -> dict[str, Any]:
    """One orchestrator episode after the given activity results, through the SDK."""
    history = [event(12), event(0, Name="ProcessOrder", Version=version, Input=json.dumps(ORDER))]
    for seq, result in enumerate(results):
        history += [
            event(4, seq, Name="scheduled"),
            event(5, TaskScheduledId=seq, Result=json.dumps(result)),
        ]
    history.append(event(12))
    body = {
        "history": history,
        "instanceId": "i-1",
        "isReplaying": True,
        "parentInstanceId": None,
        "input": ORDER,
        "upperSchemaVersion": 1,
        "upperSchemaVersionNew": 2,
    }
    context = DurableOrchestrationContext.from_json(json.dumps(body))
    state: dict[str, Any] = json.loads(Orchestrator(fn).handle(context))
    return state


def activity_sequence(fn: Callable[..., Any], version: str | None) -> list[str]:
    """Replays until done; returns the activities in the order the code scheduled them."""
    names: list[str] = []
    results: list[Any] = []
    activities = {
        "ValidateOrder": orchestration.validate_order,
        "ApplyDiscount": orchestration.apply_discount,
        "ProcessPayment": orchestration.process_payment,
        "ProcessPaymentWithDiscount": orchestration.process_payment,
        "ShipOrder": orchestration.ship_order,
    }
    payload: Any = ORDER
    for _ in range(10):
        state = run(fn, version, results)
        if state["isDone"]:
            if isinstance(state.get("output"), dict):
                assert state["output"]["version"] == version
            return names
        action = [a for group in state["actions"] for a in group][-1]
        assert action["actionType"] == 0
        names.append(action["functionName"])
        given = action["input"]
        payload = activities[action["functionName"]](
            json.loads(given) if isinstance(given, str) else given or payload
        )
        results.append(payload)
    raise AssertionError("the orchestrator never finished")


LEGACY = ["ValidateOrder", "ProcessPayment", "ShipOrder"]
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
    import importlib.util

    # Loaded by path: apps/router has a function_app.py too.
    spec = importlib.util.spec_from_file_location(
        "orders_function_app", ROOT / "apps" / "orders" / "function_app.py"
    )
    assert spec and spec.loader
    function_app = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(function_app)
    names = {f.get_function_name() for f in function_app.app.get_functions()}
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

    from tests.conftest import SECRET_ACCOUNT

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
    from scripts.host_simulator import SimulatedInstance

    host.write(SimulatedInstance("o-9", "ProcessOrder", "Suspended", "1.0"))
    code, body = status_check(environ)
    assert (code, body["drained"], body["by_version"]) == (200, False, {"1.0": 1})
    missing = {**environ, "AzureFunctionsJobHost__extensions__durableTask__hubName": "NoSuchHub"}
    code, body = status_check(missing)
    assert code == 503 and body["drained"] is False
    assert SECRET_ACCOUNT.key not in json.dumps(body)
