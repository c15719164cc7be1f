"""One module per `durable-deploy` command; importing a module adds its command to the root.

`register_all` imports them in pipeline order, which is the order `--help` lists them in.
"""

from __future__ import annotations

import importlib

PIPELINE_ORDER = (
    "lint",
    "plan",
    "check",
    "versions",
    "gate",
    "starters",
    "swap",
    "release",
    "replay",
    "retire",
    "scaffold",
    "routes",
)


def register_all() -> None:
    for name in PIPELINE_ORDER:
        importlib.import_module(f"{__name__}.{name}")
