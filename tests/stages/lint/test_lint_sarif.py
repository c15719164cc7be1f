"""The lint's SARIF validates against the SARIF 2.1.0 schema and reads back in a consumer.

`tests/stages/lint/sarif-schema-2.1.0.json` is the OASIS schema, vendored unchanged from
oasis-tcs/sarif-spec `sarif-2.1/schema/sarif-schema-2.1.0.json` (commit e0583813, the
errata01 schema whose `id` it carries; JSON Schema draft-04). The consumer is Microsoft's
sarif-tools (`sarif.loader`), which reads SARIF the way report and diff tools do.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from sarif import loader

from scripts.stages.lint.rules import CATALOGUE
from tests.support.helpers import Cli
from tests.support.lint_support import FIXTURES

SCHEMA = json.loads((Path(__file__).parent / "sarif-schema-2.1.0.json").read_text())
APPS = [FIXTURES / "ddz001" / "finding", FIXTURES / "helper_chain", FIXTURES / "ddz011" / "finding"]


def _sarif(cli: Cli, tmp_path: Path, *apps: Path) -> tuple[Path, dict[str, Any]]:
    path = tmp_path / "lint.sarif"
    run = cli("lint", *map(str, apps), "--sarif", str(path), "--json")
    assert run.code in (0, 1), run.output
    return path, json.loads(run.stdout)


def test_the_sarif_validates_against_the_2_1_0_schema(cli: Cli, tmp_path: Path) -> None:
    path, _ = _sarif(cli, tmp_path, *APPS)
    document = json.loads(path.read_text())
    jsonschema.Draft4Validator.check_schema(SCHEMA)
    jsonschema.Draft4Validator(SCHEMA).validate(document)
    driver = document["runs"][0]["tool"]["driver"]
    assert [r["id"] for r in driver["rules"]] == [r.id for r in CATALOGUE]
    for result in document["runs"][0]["results"]:
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_a_clean_run_is_valid_sarif_too(cli: Cli, tmp_path: Path) -> None:
    path, payload = _sarif(cli, tmp_path, FIXTURES / "ddz001" / "clean")
    assert payload["findings"] == []
    jsonschema.Draft4Validator(SCHEMA).validate(json.loads(path.read_text()))


def test_a_sarif_consumer_reads_back_every_finding(cli: Cli, tmp_path: Path) -> None:
    path, payload = _sarif(cli, tmp_path, *APPS)
    sarif_file = loader.load_sarif_file(str(path))
    records = sarif_file.get_records()
    read = {(r["Location"], int(r["Line"]), r["Code"].split()[0], r["Severity"]) for r in records}
    written = {(f["path"], f["line"], f["rule"], f["level"]) for f in payload["findings"]}
    assert read == written
    assert {"error", "note"} <= {severity for *_, severity in read}
    assert sarif_file.get_result_count() == len(payload["findings"]) > 3
