"""The orchestration input reaches `context.get_input()` as the Functions host hands it over.

The extension puts ExecutionStarted.Input decoded once in the context body
(OrchestrationTriggerBinding.OrchestrationContextToString: `GetInputAsJson()`), and the
SDK's DurableOrchestrationContext re-encodes only a dict before `get_input` decodes it
(azure-functions-durable, models/DurableOrchestrationContext.py). A Python app's client
encodes the input twice (standins/history_simulator.py says where), so every type arrives
intact; an input encoded once, by another client, is a dict or fails in the host's SDK
too, and the replay says so rather than guess.
"""

from __future__ import annotations

import json
from collections.abc import Generator
from typing import Any

import pytest
from azure.durable_functions import Orchestrator

from scripts.stages.replay.judge import Outcome, replay
from scripts.stages.replay.numbering import Orchestration
from standins.history_simulator import Recorded, drive
from taskhub.history import History


def by_type(context: Any) -> Generator[Any, Any, Any]:
    value = context.get_input()
    return (yield context.call_activity(f"Got{type(value).__name__}", value))


ACTIVITIES = {f"Got{kind}": (lambda v: v) for kind in ("int", "str", "list", "bool", "dict")}


def _started_with(value: Any) -> Recorded:
    return drive(
        Orchestrator.create(by_type),
        ACTIVITIES,
        instance_id="i",
        version="1.0",
        input=value,
        steps=1,
        name="ByType",
    )


@pytest.mark.parametrize("value", [5, "hello", [1, "two"], True, {"order": 1}])
def test_an_input_of_any_type_started_by_a_python_client_replays(value: Any) -> None:
    run = _started_with(value)
    assert run.scheduled() == [f"Got{type(value).__name__}"]
    result = replay(Orchestration(by_type), run.history())
    assert result.outcome == Outcome.OK, result.error


def _encoded_once(value: Any) -> History:
    history = _started_with(value).history()
    started = history.started()
    assert started is not None
    started["Input"] = json.dumps(value)
    return history


def test_a_dict_encoded_once_replays_as_the_sdk_re_encodes_it() -> None:
    assert replay(Orchestration(by_type), _encoded_once({"order": 1})).outcome == Outcome.OK


def test_a_scalar_encoded_once_fails_get_input_as_in_the_host() -> None:
    result = replay(Orchestration(by_type), _encoded_once(5))
    assert result.outcome == Outcome.ERROR
    assert result.error[0].startswith("TypeError: the JSON object must be str")
