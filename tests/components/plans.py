"""Reading `durable-deploy plan --json`: what the plan tests of this room share."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from tests.helpers import ROOT, Cli


def plan(cli: Cli, stack: str, project: Path = ROOT) -> dict[str, Any]:
    run = cli("plan", "--stack", stack, "--json", "--project-dir", str(project))
    assert run.code == 0, run.output
    graph: dict[str, Any] = json.loads(run.stdout)
    return graph


def of_type(graph: dict[str, Any], type_: str) -> list[dict[str, Any]]:
    return [r for r in graph["resources"] if r["type"] == type_]


def settings(site: dict[str, Any]) -> dict[str, Any]:
    """A site's app settings by name (a value the plan does not know is None)."""
    return {s["name"]: s.get("value") for s in site["inputs"]["siteConfig"]["appSettings"]}
