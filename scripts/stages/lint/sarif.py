"""SARIF 2.1.0 for code scanning (`github/codeql-action/upload-sarif`, Azure DevOps' SARIF tab).

One run, the full rule catalogue in `tool.driver.rules` (so a fixed finding shows as closed,
not as an unknown rule), results with a path relative to the working folder under
`%SRCROOT%` (the checkout, where CI runs the lint) and 1-based line and column, and a
`partialFingerprints` entry so code scanning tracks a finding across commits that move it.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scripts.stages.lint.engine import Finding, LintReport
from scripts.stages.lint.rules import CATALOGUE

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
TOOL = "durable-deploy lint"
VERSION = "0.1.0"
FINGERPRINT = "durableDeployFinding/v1"
"""Rule, file and message: stable when lines above the finding move."""
INDEX = {rule.id: index for index, rule in enumerate(CATALOGUE)}


def _rules() -> list[dict[str, Any]]:
    return [
        {
            "id": rule.id,
            "name": rule.title.title().replace(" ", ""),
            "shortDescription": {"text": f"Orchestrator code that {rule.problem}"},
            "fullDescription": {"text": f"Code that {rule.problem}. Fix: {rule.fix}."},
            "help": {
                "text": f"{rule.fix}. See {rule.help_ref}.",
                "markdown": f"{rule.fix}. See [{rule.id}]({rule.help_ref}).",
            },
            "defaultConfiguration": {"level": str(rule.level)},
            "properties": {"tags": ["durable-functions", "determinism"]},
        }
        for rule in CATALOGUE
    ]


def _result(finding: Finding) -> dict[str, Any]:
    path = finding.relative().replace("\\", "/")
    line_text = f"{finding.rule.id}:{path}:{finding.message}"
    return {
        "ruleId": finding.rule.id,
        "ruleIndex": INDEX[finding.rule.id],
        "level": str(finding.rule.level),
        "message": {"text": f"{finding.message} (reached from {finding.reached})"},
        "locations": [
            {
                "physicalLocation": {
                    "artifactLocation": {"uri": path, "uriBaseId": "%SRCROOT%"},
                    "region": {"startLine": finding.line, "startColumn": finding.col},
                }
            }
        ],
        "partialFingerprints": {FINGERPRINT: hashlib.sha256(line_text.encode()).hexdigest()[:16]},
        "properties": {"orchestrators": finding.orchestrators, "chain": list(finding.chain)},
    }


def to_sarif(report: LintReport) -> dict[str, Any]:
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": {"name": TOOL, "version": VERSION, "rules": _rules()}},
                "results": [_result(f) for f in report.findings],
                "columnKind": "unicodeCodePoints",
            }
        ],
    }
