"""The pack on programs that name the durable connection in the seed's form, over the real
Analyzer protocol: `extensions.durableTask.azureStorageConnectionStringName` (the Durable
Functions 1.x key, as the seed's host.json examples write it) set as an app setting.

The pack weighs what a program declares (taskhub/hostjson.py `DurableReading.declared_*`):
a seed-form program with one durable account per slot passes; one whose slots share the
durable account and the hub is refused, and the setting it names must not be sticky.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

import pytest

from scripts.stages.policy_check import GraphResource, PolicyAnalyzer, Violation
from taskhub.hostjson import DEFAULT_DURABLE_SETTING, V1_CONNECTION, override_setting
from tests.support.helpers import Cli

Graph = list[dict[str, Any]]
SITES = ("azure-native:web:WebApp", "azure-native:web:WebAppSlot")
CONNECTION = override_setting("storageProvider", "connectionName")
SEED = override_setting(V1_CONNECTION)
DURABLE_ACCOUNT = f"{DEFAULT_DURABLE_SETTING}__accountName"


@pytest.fixture(name="seeded", scope="module")
def pack_and_seed_program(cli: Cli) -> Iterator[tuple[PolicyAnalyzer, Graph]]:
    """The pack as the CLI runs it, and the dev stack (slots, one durable account each, one
    hub name) with its connection named the seed's way instead of storageProvider."""
    run = cli("plan", "--stack", "dev", "--json")
    assert run.code == 0, run.output
    graph: Graph = json.loads(run.stdout)["resources"]
    for site in sites(graph):
        for setting in site["inputs"]["siteConfig"]["appSettings"]:
            if setting["name"] == CONNECTION:
                setting["name"] = SEED
    assert sum(1 for site in sites(graph) if SEED in settings(site)) == 2
    with PolicyAnalyzer(project="durable-zero-downtime", stack="test") as pack:
        yield pack, graph


def sites(graph: Graph) -> list[dict[str, Any]]:
    return [r for r in graph if r["type"] in SITES]


def settings(site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in site["inputs"]["siteConfig"]["appSettings"]}


def analyze(analyzer: PolicyAnalyzer, graph: Graph) -> list[Violation]:
    return analyzer.analyze(
        GraphResource(r["type"], r["name"], r["inputs"], r.get("parent")) for r in graph
    )


def test_a_correct_seed_form_program_passes(seeded: tuple[PolicyAnalyzer, Graph]) -> None:
    analyzer, graph = seeded
    assert analyze(analyzer, graph) == []


def test_a_shared_seed_form_hub_is_refused(seeded: tuple[PolicyAnalyzer, Graph]) -> None:
    analyzer, program = seeded
    graph = copy.deepcopy(program)
    production, staging = sites(graph)
    account = settings(production)[DURABLE_ACCOUNT]["value"]
    settings(staging)[DURABLE_ACCOUNT]["value"] = account
    (violation,) = analyze(analyzer, graph)
    assert (violation.policy, violation.level) == ("slots-distinct-task-hubs", "mandatory")
    assert f"on {account}" in violation.message


def test_the_setting_the_seed_form_names_must_not_be_sticky(
    seeded: tuple[PolicyAnalyzer, Graph],
) -> None:
    analyzer, program = seeded
    graph = copy.deepcopy(program)
    sticky = next(r for r in graph if r["type"] == "azure-native:web:WebAppSlotConfigurationNames")
    sticky["inputs"]["appSettingNames"] = [DURABLE_ACCOUNT]
    assert {v.policy for v in analyze(analyzer, graph)} == {"durable-setting-not-sticky"}
