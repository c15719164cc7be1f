"""The classic form: versioned function names, their settings, and the scaffold command."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from components.config import load
from taskhub.classic import classic_settings, current_function, split_version
from tests.support.helpers import Cli

MODULE = '''"""ProcessOrder, classic form."""


def process_order_v{n}(context):
    yield context.call_activity("ValidateOrder_V{n}", context.get_input())
    yield context.call_sub_orchestrator("ShipOrder_V1", None)  # another orchestrator's v1
'''
APP = """import azure.durable_functions as df
from orders import process_order_v{n}

app = df.DFApp()
app.function_name("ProcessOrder_V{n}")(app.orchestration_trigger(context_name="context")(process_order_v{n}.process_order_v{n}))
"""


def test_settings_and_names() -> None:
    assert classic_settings({"ProcessOrder": "ProcessOrder_V3"}) == {
        "Orchestrators__ProcessOrder": "ProcessOrder_V3"
    }
    assert current_function("ProcessOrder", {"Orchestrators__ProcessOrder": "ProcessOrder_V3"}) == (
        "ProcessOrder_V3"
    )
    assert current_function("ProcessOrder", {}) == "ProcessOrder"
    assert split_version("ProcessOrder_V12") == ("ProcessOrder", 12)
    assert split_version("ProcessOrder") is None


def test_config_publishes_the_current_functions() -> None:
    cfg = load(
        {"appName": "orders", "versioning": {"classic": {"ProcessOrder": "ProcessOrder_V2"}}}
    )
    assert cfg.versioning.classic == (("ProcessOrder", "ProcessOrder_V2"),)


def _app(tmp_path: Path, n: int) -> Path:
    (tmp_path / "orders").mkdir()
    for version in range(1, n + 1):
        (tmp_path / "orders" / f"process_order_v{version}.py").write_text(MODULE.format(n=version))
    (tmp_path / "function_app.py").write_text(APP.format(n=n))
    return tmp_path


def scaffold(cli: Cli, app: Path, module: str) -> dict[str, Any]:
    run = cli("scaffold-version", "--app-dir", str(app), "--module", module, "--json")
    assert run.code == 0, run.output
    result: dict[str, Any] = json.loads(run.stdout)
    return result


def test_scaffold_copies_renames_and_registers(cli: Cli, tmp_path: Path) -> None:
    app = _app(tmp_path, 1)
    result = scaffold(cli, app, "orders/process_order_v1.py")
    created = (app / "orders" / "process_order_v2.py").read_text()
    assert "def process_order_v2(" in created
    # Calls to other functions keep their versions.
    assert "ValidateOrder_V1" in created and "ShipOrder_V1" in created
    function_app = (app / "function_app.py").read_text()
    assert "from orders import process_order_v1\n" in function_app
    assert "from orders import process_order_v2\n" in function_app
    assert 'app.function_name("ProcessOrder_V2")' in function_app
    assert result["settings"] == {"Orchestrators__ProcessOrder": "ProcessOrder_V2"}
    assert (app / "orders" / "process_order_v1.py").read_text() == MODULE.format(n=1)


def test_scaffold_handles_multi_digit_versions(cli: Cli, tmp_path: Path) -> None:
    app = _app(tmp_path, 10)  # v1..v10 exist; v10 is the newest, whichever is named
    result = scaffold(cli, app, "orders/process_order_v1.py")
    assert result["version"] == 11
    created = (app / "orders" / "process_order_v11.py").read_text()
    assert "def process_order_v11(" in created and "ValidateOrder_V10" in created
    function_app = (app / "function_app.py").read_text()
    assert 'function_name("ProcessOrder_V11")' in function_app
    assert "process_order_v110" not in function_app


def test_scaffold_refuses_unversioned_modules(cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "orders.py").write_text("")
    run = cli("scaffold-version", "--app-dir", str(tmp_path), "--module", "orders.py")
    assert run.code == 2 and "_v<N>.py" in run.stdout
