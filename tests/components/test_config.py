"""Stack config validation: each mistake names the key, the value and the fix."""

from __future__ import annotations

from typing import Any

import pytest

from components.config import ConfigError, SlotMode, load
from taskhub.flex import SiteUpdateStrategy
from taskhub.versions import FailureStrategy, MatchStrategy

DTS_SETTING = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
BASE: dict[str, Any] = {"appName": "orders-dev", "planSku": "EP1", "slots": {"names": ["staging"]}}


FLEX: dict[str, Any] = {
    "planSku": "FC1",
    "strategy": "versioning",
    "slots": {},
    "versioning": {"defaultVersion": "2.0", "versionMatchStrategy": "CurrentOrOlder"},
}


def config(**changes: Any) -> dict[str, Any]:
    return {**BASE, **changes}


def test_defaults_for_the_slots_strategy() -> None:
    cfg = load({"appName": "orders-dev"})
    assert cfg.runtime == "python" and cfg.runtime_version == "3.11"
    assert cfg.plan_sku == "EP1" and cfg.durable_setting == "DurableManagementStorage"
    assert cfg.hub_name == "ordersdev"
    assert [s.name for s in cfg.slots] == ["production", "staging"]
    assert len({s.storage_account for s in cfg.slots}) == 2
    assert {s.hub_name for s in cfg.slots} == {"ordersdev"}


def test_hubs_mode_shares_one_account_with_a_hub_per_slot() -> None:
    cfg = load(config(hubName="Orders", slots={"names": ["staging"], "mode": "hubs"}))
    assert cfg.slot_mode is SlotMode.HUBS
    assert len({s.storage_account for s in cfg.slots}) == 1
    assert [s.hub_name for s in cfg.slots] == ["Orders", "OrdersStaging"]


def test_versioning_values_are_normalised_as_dotnet_binds_them() -> None:
    cfg = load(
        config(
            versioning={
                "defaultVersion": "2.0",
                "versionMatchStrategy": "strict",
                "versionFailureStrategy": "Fail",
            }
        )
    )
    assert cfg.versioning.match_strategy is MatchStrategy.STRICT
    assert cfg.versioning.failure_strategy is FailureStrategy.FAIL


def test_flex_accepts_versioning_and_routing_with_rolling_updates_by_default() -> None:
    cfg = load(config(**FLEX))
    assert cfg.flex is not None and cfg.slots[0].name == "production" and len(cfg.slots) == 1
    assert cfg.flex.site_update_strategy is SiteUpdateStrategy.ROLLING_UPDATE
    assert (cfg.flex.maximum_instance_count, cfg.flex.instance_memory_mb) == (100, 2048)
    routed = load(
        config(
            planSku="FC1",
            strategy="routing",
            slots={},
            routing={"versions": ["1.0.3"]},
            versioning={"versionMatchStrategy": "CurrentOrOlder"},
        )
    )
    assert routed.flex is not None and routed.routing is not None
    # Recreate stops old workers before new ones start: no versioning demanded.
    recreate = load(
        config(
            planSku="FC1", strategy="versioning", slots={}, flex={"siteUpdateStrategy": "Recreate"}
        )
    )
    assert recreate.flex is not None
    assert recreate.flex.site_update_strategy is SiteUpdateStrategy.RECREATE
    assert load(config()).flex is None


@pytest.mark.parametrize(
    ("changes", "key", "says"),
    [
        ({"appName": None}, "appName", "required"),
        ({"appName": "Orders_Dev"}, "appName", "not a valid function app name"),
        ({"runtime": "ruby"}, "runtime", "not a supported worker runtime"),
        ({"planSku": "Z9"}, "planSku", "unknown plan SKU"),
        ({"planSku": "FC1"}, "strategy", "Flex Consumption (FC1) has no deployment slots"),
        ({**FLEX, "versioning": {}}, "versioning", "defaultVersion is not set"),
        (
            {**FLEX, "versioning": {"defaultVersion": "2.0", "versionMatchStrategy": "None"}},
            "versioning",
            "versionMatchStrategy is None",
        ),
        ({**FLEX, "versioning": {"defaultVersion": "2.0"}}, "versioning", "not set explicitly"),
        ({**FLEX, "flex": {"instanceMemoryMB": 1024}}, "flex.instanceMemoryMB", "512, 2048"),
        ({**FLEX, "flex": {"maximumInstanceCount": 10}}, "flex.maximumInstanceCount", "40 to"),
        ({**FLEX, "flex": {"alwaysReady": {"queue": 1}}}, "flex.alwaysReady", "scale group"),
        ({**FLEX, "flex": {"siteUpdateStrategy": "Blue"}}, "flex.siteUpdateStrategy", "not one"),
        ({**FLEX, "hostJsonSchema": "1", "versioning": {}}, "hostJsonSchema", "Functions 4.x"),
        ({**FLEX, "slots": {"names": ["staging"]}}, "slots.names", "Flex Consumption has no"),
        ({"flex": {"instanceMemoryMB": 2048}}, "flex", "Flex Consumption only"),
        ({"planSku": "Y1", "slots": {"names": ["a", "b"]}}, "slots.names", "allows 2 slots"),
        ({"planSku": "EP1", "slots": {"names": ["a", "b", "c"]}}, "slots.names", "allows 3"),
        ({"slots": {"names": []}}, "slots.names", "needs a staging slot"),
        ({"slots": {"names": ["production"]}}, "slots.names", "not a valid staging slot"),
        ({"slots": {"names": ["a", "a"]}}, "slots.names", "twice"),
        ({"slots": {"names": ["staging"], "mode": "both"}}, "mode", "not one of"),
        ({"hubName": "my-hub"}, "hubName", "only the letters"),
        ({"hubName": "ab"}, "hubName", "3 to 45"),
        ({"strategy": "blue-green"}, "strategy", "not one of"),
        ({"strategy": "routing"}, "routing.versions", "needs versions"),
        (
            {"strategy": "routing", "routing": {"versions": ["1.0.3", "1.0.7"]}},
            "routing.versions",
            "'1.0.3' and '1.0.7' are both 1.0",
        ),
        ({"strategy": "routing", "routing": {"versions": ["v1"]}}, "routing.versions", "2 to 4"),
        (
            {"strategy": "routing", "routing": {"versions": ["1.0", "2.0"], "maxFunctionApps": 2}},
            "routing.versions",
            "exceed maxFunctionApps 2",
        ),
        ({"durableSetting": "Durable__X"}, "durableSetting", "not a valid app setting"),
        ({"storagePrefix": "Orders"}, "storagePrefix", "lower-case"),
        ({"versioning": {"versionMatchStrategy": "Newest"}}, "versionMatchStrategy", "not one of"),
        ({"versioning": {"versionFailureStrategy": "Retry"}}, "versionFailureStrategy", "Reject"),
        ({"versioning": {"defaultVersion": "%VERSION%"}}, "defaultVersion", "literal"),
        ({"versioning": {"default": "1.0"}}, "versioning", "unknown field"),
        ({"hostJsonSchema": "1", "versioning": {"defaultVersion": "1.0"}}, "hostJsonSchema", "1.x"),
        (
            {
                "slots": {
                    "names": ["staging"],
                    "stickySettings": ["DurableManagementStorage__accountName"],
                }
            },
            "stickySettings",
            "must travel with the code",
        ),
    ],
)
def test_each_invalid_config_names_key_value_and_fix(
    changes: dict[str, Any], key: str, says: str
) -> None:
    values = {k: v for k, v in config(**changes).items() if v is not None}
    with pytest.raises(ConfigError) as info:
        load(values)
    message = str(info.value)
    assert "durable-zero-downtime:" in message and key in message
    assert says in message
    assert "Fix:" in message


DTS: dict[str, Any] = {
    "backend": "durableTaskScheduler",
    "scheduler": {"ipAllowlist": ["0.0.0.0/0"]},
}


def test_the_scheduler_backend_gives_each_slot_its_own_hub_and_no_durable_account() -> None:
    cfg = load(config(hubName="Orders", slots={"names": ["staging", "canary"]}, **DTS))
    assert cfg.backend == "durableTaskScheduler" and cfg.scheduler is not None
    assert [s.hub_name for s in cfg.slots] == ["Orders", "OrdersStaging", "OrdersCanary"]
    assert {s.storage_account for s in cfg.slots} == {None}
    assert cfg.durable_setting == "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
    assert (cfg.scheduler.sku, cfg.scheduler.capacity, cfg.scheduler.retention_days) == (
        "Consumption",
        None,
        30,
    )
    dedicated = load(
        config(
            **{
                **DTS,
                "scheduler": {"sku": "Dedicated", "ipAllowlist": ["10.0.0.0/8", "2001:db8::/32"]},
            }
        )
    )
    assert dedicated.scheduler is not None and dedicated.scheduler.capacity == 1
    flex = load(config(**{**FLEX, **DTS}))
    assert flex.flex is not None and flex.scheduler is not None
    assert load(config()).backend == "azureStorage" and load(config()).scheduler is None


@pytest.mark.parametrize(
    ("changes", "key", "says"),
    [
        ({"backend": "cosmos"}, "backend", "not one of azureStorage, durableTaskScheduler"),
        (
            {"strategy": "routing", "routing": {"versions": ["1.0"]}, **DTS},
            "backend",
            "each hub keeps instance ids unique only within itself",
        ),
        ({"scheduler": {"ipAllowlist": ["0.0.0.0/0"]}}, "scheduler", "durableTaskScheduler only"),
        ({**DTS, "scheduler": {}}, "scheduler.ipAllowlist", "is required"),
        ({**DTS, "scheduler": {"ipAllowlist": []}}, "scheduler.ipAllowlist", "denies every"),
        ({**DTS, "scheduler": {"ipAllowlist": ["10.0.0.300"]}}, "ipAllowlist", "not an IPv4"),
        ({**DTS, "scheduler": {"ipAllowlist": ["0.0.0.0/0"], "sku": "Free"}}, "sku", "not one"),
        (
            {**DTS, "scheduler": {"ipAllowlist": ["0.0.0.0/0"], "capacity": 2}},
            "scheduler.capacity",
            "no capacity units",
        ),
        (
            {**DTS, "scheduler": {"sku": "Dedicated", "ipAllowlist": ["::/0"], "capacity": 0}},
            "scheduler.capacity",
            "1 or more",
        ),
        (
            {**DTS, "scheduler": {"ipAllowlist": ["0.0.0.0/0"], "retentionDays": 31}},
            "scheduler.retentionDays",
            "Consumption SKU keeps finished instances 1 to 30 days",
        ),
        (
            {
                **DTS,
                "scheduler": {"sku": "Dedicated", "ipAllowlist": ["::/0"], "retentionDays": 91},
            },
            "scheduler.retentionDays",
            "1 to 90 days",
        ),
        (
            {**DTS, "scheduler": {"ipAllowlist": ["0.0.0.0/0"], "retention": 7}},
            "scheduler",
            "unknown field",
        ),
        ({**DTS, "slots": {"names": ["staging"], "mode": "hubs"}}, "slots.mode", "Azure Storage"),
        ({**DTS, "hostJsonSchema": "1"}, "hostJsonSchema", "no Durable Task Scheduler"),
        (
            {
                **DTS,
                "slots": {"names": ["staging"], "stickySettings": [DTS_SETTING]},
            },
            "stickySettings",
            "must travel with the code",
        ),
    ],
)
def test_each_invalid_scheduler_config_names_key_value_and_fix(
    changes: dict[str, Any], key: str, says: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load(config(**changes))
    message = str(info.value)
    assert info.value.key.endswith(key) and message.startswith(info.value.key)
    assert says in message and "Fix:" in message
