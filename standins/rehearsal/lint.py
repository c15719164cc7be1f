"""The lint part of `make run`: apps/orders passes, then a planted `datetime.now()` is caught.

No stand-in is needed: the lint reads the source and never imports or runs the app.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

from standins.rehearsal.console import cli, console, section
from standins.rehearsal.hubs import APP_DIR

ORCHESTRATION = Path("orders") / "orchestration.py"
ANCHOR = "    order = context.get_input() or {}\n"
PLANTED = "    placed_at = datetime.now()  # planted by the rehearsal\n"


def _plant(workdir: Path) -> tuple[Path, int]:
    """A copy of apps/orders whose orchestrator reads the wall clock; returns (app, line)."""
    app = workdir / "orders-planted"
    shutil.copytree(APP_DIR, app, ignore=shutil.ignore_patterns("__pycache__"))
    module = app / ORCHESTRATION
    text = module.read_text().replace(
        "from datetime import timedelta", "from datetime import datetime, timedelta"
    )
    if ANCHOR not in text:
        raise RuntimeError(f"{module}: the orchestrator changed; update the rehearsal's anchor")
    text = text.replace(ANCHOR, ANCHOR + PLANTED)
    module.write_text(text)
    return app, text.splitlines().index(PLANTED.rstrip("\n")) + 1


def rehearse_lint(workdir: Path) -> int:
    section("Stage: determinism lint of the orchestrator code (read, never imported)")
    console.print("$ durable-deploy lint apps/orders")
    clean = cli("lint", str(APP_DIR))
    if clean.returncode != 0:
        console.print(f"[bold red]apps/orders is not clean (exit {clean.returncode}).")
        return clean.returncode or 1
    app, line = _plant(workdir)
    console.print(f"Planted `datetime.now()` in {ORCHESTRATION}:{line} of a copy of the app.")
    console.print(f"$ durable-deploy lint {app.name}")
    planted = cli("lint", str(app), "--json", capture=True)
    findings = json.loads(planted.stdout).get("findings", []) if planted.stdout else []
    caught = [f for f in findings if f["rule"] == "DDZ001" and f["line"] == line]
    if planted.returncode != 1 or not caught or len(findings) != 1:
        console.print(planted.stdout + planted.stderr, markup=False)
        console.print("[bold red]The planted clock read was not caught exactly: rehearsal failed.")
        return 2
    finding = caught[0]
    shown = os.path.relpath(os.path.abspath(finding["path"]), workdir)
    console.print(
        f"  {shown}:{finding['line']}:{finding['col']}: {finding['rule']} "
        f"{finding['message']} (in {', '.join(finding['orchestrators'])})",
        markup=False,
    )
    console.print("[bold green]Caught (exit 1): this release would stop at its lint stage.")
    return 0
