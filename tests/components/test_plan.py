"""The Pulumi program under Pulumi's mocks, through `durable-deploy plan --json`."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from taskhub.flex import DEPRECATED_SETTINGS
from tests.components.plans import of_type, plan, settings
from tests.support.checkout import ROOT
from tests.support.helpers import Cli

DURABLE = "DurableManagementStorage"
HUB_SETTING = "AzureFunctionsJobHost__extensions__durableTask__hubName"
SITES = ("azure-native:web:WebApp", "azure-native:web:WebAppSlot")


@pytest.fixture(scope="module")
def dev(cli: Cli) -> dict[str, Any]:
    return plan(cli, "dev")


@pytest.fixture(scope="module")
def prod(cli: Cli) -> dict[str, Any]:
    return plan(cli, "prod")


def sites(graph: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for site in of_type(graph, SITES[0]) + of_type(graph, SITES[1]):
        found[site["inputs"].get("slot", "production")] = settings(site)
    return found


def test_each_slot_has_its_own_durable_account(dev: dict[str, Any]) -> None:
    by_slot = sites(dev)
    assert set(by_slot) == {"production", "staging"}
    accounts = {slot: s[f"{DURABLE}__accountName"] for slot, s in by_slot.items()}
    assert len(set(accounts.values())) == 2
    declared = {
        a["inputs"]["accountName"] for a in of_type(dev, "azure-native:storage:StorageAccount")
    }
    assert set(accounts.values()) <= declared
    # The runtime account is one and the same everywhere.
    assert len({s["AzureWebJobsStorage__accountName"] for s in by_slot.values()}) == 1
    assert not set(accounts.values()) & {
        s["AzureWebJobsStorage__accountName"] for s in by_slot.values()
    }


def test_durable_settings_are_on_every_slot_and_never_sticky(dev: dict[str, Any]) -> None:
    for slot_settings in sites(dev).values():
        assert slot_settings[HUB_SETTING] == "OrdersDev"
        assert (
            slot_settings[
                "AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionName"
            ]
            == DURABLE
        )
    (sticky,) = of_type(dev, "azure-native:web:WebAppSlotConfigurationNames")
    names = sticky["inputs"].get("appSettingNames", [])
    assert not [n for n in names if n.startswith(DURABLE) or "durableTask" in n]


def test_content_shares_are_distinct_per_slot(dev: dict[str, Any]) -> None:
    shares = [s["WEBSITE_CONTENTSHARE"] for s in sites(dev).values()]
    assert len(shares) == len(set(shares)) == 2
    assert all(
        s["WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"] == "[secret]" for s in sites(dev).values()
    )


def test_secure_defaults(dev: dict[str, Any]) -> None:
    for account in of_type(dev, "azure-native:storage:StorageAccount"):
        inputs = account["inputs"]
        assert inputs["enableHttpsTrafficOnly"] is True
        assert inputs["minimumTlsVersion"] == "TLS1_2"
        assert inputs["allowBlobPublicAccess"] is False
        if not inputs["accountName"].endswith("rt"):
            assert inputs["allowSharedKeyAccess"] is False  # identity-based durable accounts
    for site in of_type(dev, SITES[0]) + of_type(dev, SITES[1]):
        assert site["inputs"]["httpsOnly"] is True
        assert site["inputs"]["identity"]["type"] == "SystemAssigned"
        config = site["inputs"]["siteConfig"]
        assert config["ftpsState"] == "Disabled" and config["minTlsVersion"] == "1.2"


def test_every_identity_gets_data_roles_on_every_account(dev: dict[str, Any]) -> None:
    roles = of_type(dev, "azure-native:authorization:RoleAssignment")
    accounts = of_type(dev, "azure-native:storage:StorageAccount")
    assert len(roles) == len(sites(dev)) * len(accounts) * 3
    assert {r["inputs"]["roleDefinitionId"].rsplit("/", 1)[-1] for r in roles} == {
        "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",
        "974c5e8b-45b9-4653-ba55-5f855dd0fb88",
        "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",
    }


def test_components_follow_the_design_guidelines(dev: dict[str, Any]) -> None:
    components = {
        r["name"]: r for r in dev["resources"] if r["type"].startswith("durable-zero-downtime:")
    }
    assert {r["type"] for r in components.values()} == {
        "durable-zero-downtime:app:DurableFunctionApp",
        "durable-zero-downtime:storage:DurableStorage",
    }
    for resource in dev["resources"]:
        if resource["type"] in (
            "azure-native:resources:ResourceGroup",
            "durable-zero-downtime:app:DurableFunctionApp",
        ):
            continue
        assert resource["parent"] in components, resource["name"]


def test_stack_outputs_feed_the_pipeline(dev: dict[str, Any]) -> None:
    slots = dev["outputs"]["apps"]["orders-dev"]["slots"]
    assert slots["production"]["taskHub"] == "OrdersDev"
    assert slots["production"]["tableEndpoint"] == (
        f"https://{slots['production']['durableStorageAccount']}.table.core.windows.net"
    )
    assert slots["staging"]["durableStorageAccount"] != slots["production"]["durableStorageAccount"]
    assert dev["outputs"]["hostJson"]["extensions"]["durableTask"]["hubName"] == "OrdersDev"


def test_prod_adds_versioning_on_every_slot(prod: dict[str, Any]) -> None:
    by_slot = sites(prod)
    assert set(by_slot) == {"production", "staging", "canary"}
    prefix = "AzureFunctionsJobHost__extensions__durableTask__"
    for slot_settings in by_slot.values():
        assert slot_settings[prefix + "defaultVersion"] == "2.0"
        assert slot_settings[prefix + "versionMatchStrategy"] == "CurrentOrOlder"
        assert slot_settings[prefix + "versionFailureStrategy"] == "Reject"
    assert len({s[f"{DURABLE}__accountName"] for s in by_slot.values()}) == 3
    assert prod["outputs"]["hostJson"]["extensions"]["durableTask"]["defaultVersion"] == "2.0"


def _project_with(tmp_path: Path, stack: str, config: dict[str, Any]) -> Path:
    for name in ("Pulumi.yaml", "__main__.py"):
        shutil.copy(ROOT / name, tmp_path / name)
    lines = ["config:"] + [
        f"  durable-zero-downtime:{key}: {json.dumps(value)}" for key, value in config.items()
    ]
    (tmp_path / f"Pulumi.{stack}.yaml").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_connection_string_mode_keeps_values_secret(cli: Cli, tmp_path: Path) -> None:
    project = _project_with(
        tmp_path,
        "keys",
        {
            "appName": "orders-keys",
            "connection": "connectionString",
            "slots": {"names": ["staging"], "mode": "hubs"},
        },
    )
    graph = plan(cli, "keys", project)
    by_slot = sites(graph)
    assert (
        by_slot["production"][DURABLE] == "[secret]" and by_slot["staging"][DURABLE] == "[secret]"
    )
    assert by_slot["production"][HUB_SETTING] != by_slot["staging"][HUB_SETTING]
    assert "plan-placeholder" not in json.dumps(graph)
    assert not of_type(graph, "azure-native:authorization:RoleAssignment")


def test_invalid_config_exits_2_naming_the_key(cli: Cli, tmp_path: Path) -> None:
    project = _project_with(
        tmp_path, "bad", {"appName": "orders", "planSku": "Y1", "slots": {"names": ["a", "b"]}}
    )
    run = cli("plan", "--stack", "bad", "--project-dir", str(project))
    assert run.code == 2
    assert "durable-zero-downtime:slots.names" in run.stdout and "fix:" in run.stdout
    assert cli("plan", "--stack", "nosuchstack").code == 2


def test_routing_declares_an_app_per_minor_with_one_tracking_store(cli: Cli) -> None:
    graph = plan(cli, "routing")
    by_app = {s["inputs"]["name"]: settings(s) for s in of_type(graph, SITES[0])}
    versions = {n: s for n, s in by_app.items() if n != "orders-router"}
    assert set(versions) == {"orders-v1-0", "orders-v1-1"}
    prefix = "AzureFunctionsJobHost__extensions__durableTask__"
    assert versions["orders-v1-0"][prefix + "defaultVersion"] == "1.0.3"
    assert versions["orders-v1-1"][prefix + "defaultVersion"] == "1.1.0"
    durable = {s[f"{DURABLE}__accountName"] for s in versions.values()}
    hubs = {s[HUB_SETTING] for s in versions.values()}
    tracking = {s["DurableTrackingStorage__accountName"] for s in versions.values()}
    assert len(durable) == 2 and len(hubs) == 2 and len(tracking) == 1
    assert {s[prefix + "storageProvider__trackingStoreNamePrefix"] for s in versions.values()} == {
        "DurableTask"
    }
    router = by_app["orders-router"]
    assert router["RouterStorage__accountName"] in tracking
    outputs = graph["outputs"]
    assert outputs["apps"]["orders-v1-0"]["minor"] == "1.0"
    assert outputs["router"]["trackingPrefix"] == "DurableTask"


def _flex_site_checks(site: dict[str, Any], runtime: tuple[str, str]) -> dict[str, Any]:
    """What every Flex app declares (azure-docs flex-consumption-plan.md, site updates)."""
    inputs = site["inputs"]
    assert not set(settings(site)) & DEPRECATED_SETTINGS
    assert not {"ftpsState", "linuxFxVersion", "alwaysOn"} & set(inputs["siteConfig"])
    config: dict[str, Any] = inputs["functionAppConfig"]
    assert config["runtime"] == {"name": runtime[0], "version": runtime[1]}
    storage = config["deployment"]["storage"]
    assert storage["type"] == "blobContainer"
    assert storage["authentication"] == {"type": "SystemAssignedIdentity"}
    assert re.fullmatch(
        r"https://[a-z0-9]{3,24}\.blob\.core\.windows\.net/app-package", storage["value"]
    )
    runtime_account = settings(site).get("AzureWebJobsStorage__accountName")
    assert runtime_account is None or f"//{runtime_account}." in storage["value"]
    return config


def test_flex_declares_its_own_plan_and_function_app_config(cli: Cli) -> None:
    graph = plan(cli, "flex")
    (plan_,) = of_type(graph, "azure-native:web:AppServicePlan")
    assert plan_["inputs"]["sku"] == {"name": "FC1", "tier": "FlexConsumption"}
    assert plan_["inputs"]["kind"] == "functionapp" and plan_["inputs"]["reserved"] is True
    (site,) = of_type(graph, SITES[0])
    assert not of_type(graph, SITES[1])
    assert not of_type(graph, "azure-native:web:WebAppSlotConfigurationNames")
    config = _flex_site_checks(site, ("python", "3.11"))
    assert config["siteUpdateStrategy"] == {"type": "RollingUpdate"}
    scale = config["scaleAndConcurrency"]
    assert (scale["maximumInstanceCount"], scale["instanceMemoryMB"]) == (100, 2048)
    assert scale["alwaysReady"] == [{"name": "durable", "instanceCount": 1}]
    (container,) = of_type(graph, "azure-native:storage:BlobContainer")
    assert container["inputs"]["accountName"] == settings(site)["AzureWebJobsStorage__accountName"]
    assert container["inputs"]["publicAccess"] == "None"
    by_setting = settings(site)
    prefix = "AzureFunctionsJobHost__extensions__durableTask__"
    assert by_setting[prefix + "defaultVersion"] == "2.0"
    assert by_setting[prefix + "versionMatchStrategy"] == "CurrentOrOlder"
    assert by_setting[f"{DURABLE}__accountName"] == "ordersflexdprod"
    # Identity first: no account needs its keys (no content share on Flex).
    accounts = of_type(graph, "azure-native:storage:StorageAccount")
    assert all(a["inputs"]["allowSharedKeyAccess"] is False for a in accounts)
    assert len(of_type(graph, "azure-native:authorization:RoleAssignment")) == len(accounts) * 3
    # The stages read the same output shape as on the other plans.
    dev_slot = plan(cli, "dev")["outputs"]["apps"]["orders-dev"]["slots"]["production"]
    flex_slot = graph["outputs"]["apps"]["orders-flex"]["slots"]["production"]
    assert set(flex_slot) == set(dev_slot) and flex_slot["taskHub"] == "OrdersFlex"


def test_flex_with_connection_strings_still_reads_its_package_with_the_identity(
    cli: Cli,
    tmp_path: Path,
) -> None:
    project = _project_with(
        tmp_path,
        "flexkeys",
        {
            "appName": "orders-fk",
            "planSku": "FC1",
            "strategy": "versioning",
            "connection": "connectionString",
            "flex": {"siteUpdateStrategy": "Recreate"},
        },
    )
    graph = plan(cli, "flexkeys", project)
    (role,) = of_type(graph, "azure-native:authorization:RoleAssignment")
    assert role["inputs"]["roleDefinitionId"].endswith("b7e6dc6d-f1e8-4753-8033-0f276bb0955b")
    (site,) = of_type(graph, SITES[0])
    assert _flex_site_checks(site, ("python", "3.11"))["siteUpdateStrategy"] == {"type": "Recreate"}


def test_flex_routing_gives_every_version_and_the_router_a_flex_plan(cli: Cli) -> None:
    graph = plan(cli, "flexrouting")
    plans = of_type(graph, "azure-native:web:AppServicePlan")
    assert len(plans) == 3 and {p["inputs"]["sku"]["name"] for p in plans} == {"FC1"}
    assert len({p["inputs"]["name"] for p in plans}) == 3
    by_app = {s["inputs"]["name"]: s for s in of_type(graph, SITES[0])}
    assert set(by_app) == {"ordersfx-v1-0", "ordersfx-v1-1", "ordersfx-router"}
    for site in by_app.values():
        _flex_site_checks(site, ("python", "3.11"))
    prefix = "AzureFunctionsJobHost__extensions__durableTask__"
    assert settings(by_app["ordersfx-v1-1"])[prefix + "defaultVersion"] == "1.1.0"
    assert len(of_type(graph, "azure-native:storage:BlobContainer")) == 3
    assert set(graph["outputs"]) == set(plan(cli, "routing")["outputs"])


def test_the_router_only_reads_the_tracking_store(cli: Cli) -> None:
    """Its identity reads routes and owners: Storage Table Data Reader, no writer role."""
    graph = plan(cli, "routing")
    tracking = {
        r["inputs"]["roleDefinitionId"].rsplit("/", 1)[-1]
        for r in of_type(graph, "azure-native:authorization:RoleAssignment")
        if r["name"].startswith("orders-router-")
        and r["inputs"]["scope"].startswith("orders-tracking")
    }
    assert tracking == {"76199698-9eea-4c19-bc75-cec21354c6b6"}  # Storage Table Data Reader
