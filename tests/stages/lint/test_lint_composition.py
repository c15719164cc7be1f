"""Rules do not interfere: any mix of snippets, each with its known verdict, reports exactly
the union of their findings, on their own lines (a guard, a pending task or a shadowed name
must not leak from one snippet to the next)."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.stages.lint.engine import lint

HEADER = """import datetime
import logging
import os
import time
import uuid

import azure.durable_functions as df
import requests

app = df.DFApp()
SEEN = []


@app.activity_trigger(input_name="value")
def Work(value):
    return value


@app.orchestration_trigger(context_name="context")
def orchestrator(context):
"""
SNIPPETS: list[tuple[str, str | None]] = [
    ("v{i} = datetime.datetime.now()", "DDZ001"),
    ("v{i} = context.current_utc_datetime", None),
    ("v{i} = uuid.uuid4()", "DDZ002"),
    ("v{i} = context.new_uuid()", None),
    ("time.sleep({i})", "DDZ003"),
    ("yield context.create_timer(context.current_utc_datetime)", None),
    ("v{i} = requests.get('https://example.invalid/{i}')", "DDZ005"),
    ("v{i} = os.getenv('SETTING_{i}')", "DDZ006"),
    ("context.call_activity('Work', {i})", "DDZ007"),
    ("v{i} = yield context.call_activity('work', {i})", None),
    ("yield context.call_activity('Wrok', {i})", "DDZ008"),
    ("SEEN.append({i})", "DDZ010"),
    ("logging.info('step {i}')", "DDZ011"),
    ("if not context.is_replaying:\n        logging.info('step {i}')", None),
    ("t{i} = context.call_activity('Work', {i})\n    yield t{i}", None),
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(range(len(SNIPPETS))), min_size=1, max_size=10))
def test_any_mix_reports_the_union_of_its_parts(chosen: list[int]) -> None:
    lines, expected = HEADER.splitlines(), set()
    for i, index in enumerate(chosen):
        code, rule = SNIPPETS[index]
        if rule:
            expected.add((len(lines) + 1, rule))
        lines.extend(
            "    " + line.lstrip() if n == 0 else line
            for n, line in enumerate(code.format(i=i).splitlines())
        )
    lines.append("    yield context.call_activity('Work', None)")
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "function_app.py").write_text("\n".join(lines) + "\n")
        report = lint([Path(folder)])
    assert {(f.line, f.rule.id) for f in report.findings} == expected
