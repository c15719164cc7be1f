"""`plan --json` keeps a stack config error's fix in `error.fix` (ConfigError carries it in
`fix`, as every error of ours does), instead of inside the message."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from tests.support.checkout import ROOT
from tests.support.helpers import Cli


def test_an_invalid_config_value_keeps_its_fix(cli: Cli, tmp_path: Path) -> None:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    (tmp_path / "Pulumi.bad.yaml").write_text(
        "config:\n"
        "  durable-zero-downtime:appName: orders\n"
        "  durable-zero-downtime:planSku: Y1\n"
        '  durable-zero-downtime:slots: {"names": ["a", "b"]}\n'
    )
    run = cli("plan", "--stack", "bad", "--project-dir", str(tmp_path), "--json")
    assert run.code == 2, run.output
    answer = json.loads(run.stdout)
    assert answer["command"] == "plan" and answer["exit_code"] == 2
    error = answer["error"]
    assert error["type"] == "PlanError"
    assert error["message"].startswith("durable-zero-downtime:slots.names = ['a', 'b']: ")
    assert "Fix:" not in error["message"] and error["fix"] == "remove slots or choose a larger plan"
