"""Every rule fires on its fixture app and stays quiet on the clean twin; discovery finds the
orchestrators of v1, v2, blueprint and helper-chain apps; apps/orders is clean."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from scripts.stages.lint.app_model import Kind
from scripts.stages.lint.discovery import discover
from scripts.stages.lint.engine import lint
from scripts.stages.lint.rules import CATALOGUE, RULES, RuleId
from tests.helpers import ROOT
from tests.lint_support import APPS, FIXTURES, expected, reported


@pytest.mark.parametrize("root", APPS, ids=lambda p: p.relative_to(FIXTURES).as_posix())
def test_each_fixture_reports_exactly_its_marked_lines(root: Path) -> None:
    assert reported(lint([root]), root) == expected(root)


@pytest.mark.parametrize("rule", [r.id for r in CATALOGUE])
def test_every_rule_has_a_finding_fixture_and_a_clean_twin(rule: str) -> None:
    finding, clean = FIXTURES / rule.lower() / "finding", FIXTURES / rule.lower() / "clean"
    assert {r for _, _, r in expected(finding)} == {rule}
    assert expected(clean) == set()
    assert reported(lint([clean]), clean) == set()


def test_messages_name_the_durable_alternative_and_where_it_was_reached_from() -> None:
    root = FIXTURES / "helper_chain"
    by_rule = {f.rule.id: f for f in lint([root]).findings}
    clock = by_rule[RuleId.WALL_CLOCK]
    assert "context.current_utc_datetime" in clock.message
    assert clock.chain == ("process", "plan", "now_iso") and clock.orchestrators == ["process"]
    assert clock.reached == "process via process > plan > now_iso"
    assert "yield it" in by_rule[RuleId.NEVER_YIELDED].message


def test_the_depth_limit_stops_the_walk_and_says_so() -> None:
    root = FIXTURES / "helper_chain"
    report = lint([root], max_depth=1)
    assert {f.rule.id for f in report.findings} == {"DDZ007"}
    assert report.apps[0].notes == ["not followed (max-depth): process > plan > now_iso"]


def test_unknown_names_come_with_the_closest_name() -> None:
    messages = {f.line: f.message for f in lint([FIXTURES / "ddz008" / "finding"]).findings}
    assert "did you mean 'ValidateOrder'?" in messages[9]
    assert "did you mean 'ShipOrder'?" in messages[10]
    assert "'Refund' is an orchestrator, not an activity" in messages[13]
    blueprint = lint([FIXTURES / "blueprints"]).findings
    assert any("blueprint audit, which no app registers" in f.message for f in blueprint)


def test_discovery_reads_v1_function_json_and_v2_blueprints() -> None:
    v1 = discover(FIXTURES / "v1_app")
    assert {(f.kind, f.name) for f in v1.functions} == {
        (Kind.ORCHESTRATOR, "Orchestrator"),
        (Kind.ACTIVITY, "Hello"),
        (Kind.ENTITY, "Counter"),
    }
    orchestrator = v1.of_kind(Kind.ORCHESTRATOR)[0]
    assert orchestrator.code and orchestrator.code[1].name == "orchestrator_function"
    blueprints = discover(FIXTURES / "blueprints")
    counted = {f.name for f in blueprints.functions if blueprints.counted(f)}
    assert counted == {"ship_orders", "Ship"}


def test_apps_orders_is_clean_and_fully_discovered() -> None:
    report = lint([ROOT / "apps" / "orders"])
    assert report.findings == [] and not report.failed
    model = report.apps[0].model
    assert [f.name for f in model.of_kind(Kind.ORCHESTRATOR)] == ["ProcessOrder"]
    assert {f.name for f in model.of_kind(Kind.ACTIVITY)} == {
        "ValidateOrder",
        "ApplyDiscount",
        "ProcessPayment",
        "ProcessPaymentWithDiscount",
        "ShipOrder",
    }
    assert model.unnamed == []


def test_names_built_at_run_time_switch_only_the_name_rule_off(tmp_path: Path) -> None:
    (tmp_path / "function_app.py").write_text(
        "import azure.durable_functions as df\n"
        "from orders import NAMES, work\n"
        "app = df.DFApp()\n"
        "for name in NAMES:\n"
        "    app.function_name(name)(app.activity_trigger(input_name='x')(work))\n"
        "@app.orchestration_trigger(context_name='context')\n"
        "def run(context):\n"
        "    yield context.call_activity('Anything', None)\n"
        "    yield context.call_activity(context.get_input(), None)\n"
        "    context.call_activity('Anything', None)\n"
    )
    report = lint([tmp_path])
    assert [(f.line, f.rule.id) for f in report.findings] == [(10, "DDZ007")]
    assert report.apps[0].notes[0].startswith("DDZ008 not checked: function names built at run")


def test_each_rule_has_a_docs_section_its_help_anchor_points_at() -> None:
    docs = (ROOT / "docs" / "lint.md").read_text()
    for rule in RULES.values():
        assert f"\n### {rule.id} {rule.title}\n" in docs, rule.id
        assert rule.help_ref == f"docs/lint.md#{rule.anchor}"
        assert f"[{rule.id}](#{rule.anchor})" in docs, rule.anchor
        assert re.fullmatch(rf"{rule.id.lower()}-[a-z0-9-]+", rule.anchor), rule.anchor
    readme = (ROOT / "README.md").read_text()
    assert "[docs/lint.md](docs/lint.md)" in readme
