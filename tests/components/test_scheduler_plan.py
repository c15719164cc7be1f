"""The Durable Task Scheduler stacks under Pulumi's mocks: what `dts` and `dtsversioning`
declare, and how the scheduler's endpoint reaches the app settings and stack outputs."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from typing import Any

import pytest

from tests.components.plans import of_type, plan, settings
from tests.support.checkout import ROOT
from tests.support.helpers import Cli

DURABLE = "AzureFunctionsJobHost__extensions__durableTask__"
CONNECTION = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
SITES = ("azure-native:web:WebApp", "azure-native:web:WebAppSlot")
ROLES = "azure-native:authorization:RoleAssignment"
# azure-docs articles/role-based-access-control/built-in-roles.md: Durable Task Data Contributor.
CONTRIBUTOR = "0ad04412-c4d5-4796-b79c-f76d14c8d402"


@pytest.fixture(scope="module")
def dts(cli: Cli) -> dict[str, Any]:
    return plan(cli, "dts")


def by_slot(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        site["inputs"].get("slot", "production"): settings(site)
        for type_ in SITES
        for site in of_type(graph, type_)
    }


def test_one_scheduler_a_hub_per_slot_and_a_retention_policy(dts: dict[str, Any]) -> None:
    (scheduler,) = of_type(dts, "azure-native:durabletask:Scheduler")
    assert scheduler["inputs"]["schedulerName"] == "orders-dts"
    assert scheduler["inputs"]["properties"] == {
        "ipAllowlist": ["0.0.0.0/0"],
        "sku": {"name": "Consumption"},
    }
    hubs = {h["inputs"]["taskHubName"] for h in of_type(dts, "azure-native:durabletask:TaskHub")}
    slots = dts["outputs"]["apps"]["orders-dts"]["slots"]
    assert hubs == {s["taskHub"] for s in slots.values()} == {"OrdersDts", "OrdersDtsStaging"}
    (retention,) = of_type(dts, "azure-native:durabletask:RetentionPolicy")
    assert retention["inputs"]["properties"] == {
        "retentionPolicies": [{"retentionPeriodInDays": 30}]
    }
    for child in [*of_type(dts, "azure-native:durabletask:TaskHub"), retention]:
        assert child["inputs"]["schedulerName"] == "orders-dts"
    # No durable storage account: only the runtime account of AzureWebJobsStorage.
    accounts = of_type(dts, "azure-native:storage:StorageAccount")
    assert [a["inputs"]["accountName"] for a in accounts] == ["ordersdtsrt"]


def test_settings_select_the_scheduler_and_travel_with_the_code(dts: dict[str, Any]) -> None:
    settings = by_slot(dts)
    assert set(settings) == {"production", "staging"}
    for values in settings.values():
        assert values[DURABLE + "storageProvider__type"] == "azureManaged"
        assert values[DURABLE + "storageProvider__connectionStringName"] == CONNECTION
        assert CONNECTION in values  # its value is the endpoint: unknown until it exists
        assert "DurableManagementStorage" not in values
    assert {v[DURABLE + "hubName"] for v in settings.values()} == {"OrdersDts", "OrdersDtsStaging"}
    (sticky,) = of_type(dts, "azure-native:web:WebAppSlotConfigurationNames")
    assert sticky["inputs"].get("appSettingNames", []) == []
    durable = dts["outputs"]["hostJson"]["extensions"]["durableTask"]
    assert durable["storageProvider"] == {
        "type": "azureManaged",
        "connectionStringName": CONNECTION,
    }


def test_every_slot_identity_holds_the_data_role_on_every_hub(dts: dict[str, Any]) -> None:
    principals = {
        slot: r["inputs"]["principalId"]
        for r in of_type(dts, ROLES)
        for slot in ("production", "staging")
        if r["name"].startswith(f"orders-dts-{slot}-")
    }
    granted = {
        (r["inputs"]["principalId"], r["inputs"]["scope"].rsplit("/taskHubs/", 1)[-1])
        for r in of_type(dts, ROLES)
        if r["inputs"]["roleDefinitionId"].endswith(CONTRIBUTOR)
    }
    assert granted == {
        (p, h) for p in principals.values() for h in ("OrdersDts", "OrdersDtsStaging")
    }
    for r in of_type(dts, ROLES):
        if r["inputs"]["roleDefinitionId"].endswith(CONTRIBUTOR):
            assert r["inputs"]["scope"].startswith(
                "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-orders-dts/"
                "providers/Microsoft.DurableTask/schedulers/orders-dts/taskHubs/"
            )


def test_the_versioning_stack_runs_flex_on_a_dedicated_scheduler(cli: Cli) -> None:
    graph = plan(cli, "dtsversioning")
    (scheduler,) = of_type(graph, "azure-native:durabletask:Scheduler")
    assert scheduler["inputs"]["properties"]["sku"] == {"name": "Dedicated", "capacity": 1}
    (site,) = of_type(graph, SITES[0])
    assert "functionAppConfig" in site["inputs"]
    (values,) = by_slot(graph).values()
    assert values[DURABLE + "defaultVersion"] == "2.0"
    assert values[DURABLE + "hubName"] == "OrdersDtsV"
    (retention,) = of_type(graph, "azure-native:durabletask:RetentionPolicy")
    assert retention["inputs"]["properties"]["retentionPolicies"] == [{"retentionPeriodInDays": 60}]


# What ARM reports once the scheduler and its hubs exist: `properties.endpoint` and
# `properties.dashboardUrl` are read-only outputs (Azure/bicep-types-az
# generated/durabletask/microsoft.durabletask/2025-11-01/types.md). The offline plan's mock
# answers an endpoint of that shape; this run answers both with values of its own, so what
# reaches the settings and outputs is seen to be ARM's.
_WITH_ENDPOINTS = """
import json
from scripts.stages import preview

mock = preview._mock_state

def arm(type_, name, inputs, region="westeurope"):
    state = mock(type_, name, inputs, region)
    if type_ == "azure-native:durabletask:Scheduler":
        endpoint = "https://" + inputs["schedulerName"] + "-k3x9.westeurope.durabletask.io"
        state["properties"] = {**inputs["properties"], "endpoint": endpoint}
    if type_ == "azure-native:durabletask:TaskHub":
        dashboard = "https://dashboard.durabletask.io/" + inputs["taskHubName"]
        state["properties"] = {"dashboardUrl": dashboard}
    return state

preview._mock_state = arm
print(json.dumps(preview.run_plan("dts").to_json()))
"""


def test_the_offline_plan_answers_an_endpoint_of_the_schedulers_shape(
    dts: dict[str, Any],
) -> None:
    """`--stack-output` of a planned DTS stack reaches a scheduler host (taskhub/clouds.py
    SCHEDULER_HOSTS), in the stack's region, as a deployed one does."""
    slots = dts["outputs"]["apps"]["orders-dts"]["slots"]
    (endpoint,) = {s["schedulerEndpoint"] for s in slots.values()}
    assert re.fullmatch(r"https://orders-dts-[0-9a-z]+\.westeurope\.durabletask\.io", endpoint)


def test_the_endpoint_reaches_each_slots_connection_and_the_stack_outputs() -> None:
    run = subprocess.run(
        [sys.executable, "-c", _WITH_ENDPOINTS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    )
    graph = json.loads(run.stdout)
    endpoint = "https://orders-dts-k3x9.westeurope.durabletask.io"
    for values in by_slot(graph).values():
        assert values[CONNECTION] == f"Endpoint={endpoint};Authentication=ManagedIdentity"
    slots = graph["outputs"]["apps"]["orders-dts"]["slots"]
    assert slots["staging"] == {
        "backend": "durableTaskScheduler",
        "taskHub": "OrdersDtsStaging",
        "schedulerName": "orders-dts",
        "schedulerEndpoint": endpoint,
        "taskHubDashboardUrl": "https://dashboard.durabletask.io/OrdersDtsStaging",
        "connectionSetting": CONNECTION,
        "hostName": "orders-dts-staging.azurewebsites.net",
    }
