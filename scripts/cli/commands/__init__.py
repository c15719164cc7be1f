"""One module per `durable-deploy` command, named after it (`replay-check` in replay_check.py);
importing a module adds its command to the root.

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
    "quiesce",
    "resume",
    "swap",
    "release",
    "replay_check",
    "retire",
    "scaffold_version",
    "routes",
)


def register_all() -> None:
    for name in PIPELINE_ORDER:
        importlib.import_module(f"{__name__}.{name}")
