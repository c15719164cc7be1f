"""Which orchestrator `replay-check --app-dir DIR --orchestrator NAME` loads: the host's own
lookup, which ignores case (the Durable extension's FunctionName.Equals is OrdinalIgnoreCase)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.stages.replay.app import load_orchestration
from taskhub.errors import ConfigurationError
from tests.support.checkout import ROOT

ORDERS = ROOT / "apps" / "orders"
TWO_IN_CASE = """
import azure.durable_functions as df

app = df.DFApp()


@app.orchestration_trigger(context_name="context")
def ProcessOrder(context):
    yield context.call_activity("A", 1)


@app.orchestration_trigger(context_name="context")
def processorder(context):
    yield context.call_activity("A", 2)
"""


@pytest.mark.parametrize("name", ["ProcessOrder", "processorder", "PROCESSORDER"])
def test_the_orchestrator_is_found_whatever_the_case(name: str) -> None:
    loaded = load_orchestration(None, ORDERS, name)
    assert loaded.function.__name__ == "process_order"


def test_two_orchestrators_differing_only_in_case_cannot_be_told_apart(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(TWO_IN_CASE)
    with pytest.raises(ConfigurationError, match="differ only in case"):
        load_orchestration(None, tmp_path, "ProcessOrder")


def test_an_unknown_name_lists_the_orchestrators_there_are() -> None:
    with pytest.raises(ConfigurationError, match="one of: ProcessOrder"):
        load_orchestration(None, ORDERS, "ProcessOrders")
