"""The checkout under test, and which of its packages are the toolkit."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ("taskhub", "scripts", "components", "policies")
"""What the wheel holds; the stand-ins, apps and tests are not the toolkit."""


def orders_function_app() -> ModuleType:
    """apps/orders/function_app.py, freshly loaded by path: apps/router has a function_app.py
    too, so neither can be imported by its name."""
    spec = importlib.util.spec_from_file_location(
        "orders_function_app", ROOT / "apps" / "orders" / "function_app.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
