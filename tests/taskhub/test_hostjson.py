from typing import Any

import pytest

from taskhub.app_service_plans import PlanFamily, max_slots, plan_family
from taskhub.errors import ConfigurationError
from taskhub.hostjson import (
    RUNTIME_STORAGE_SETTING,
    DurableReading,
    DurableSettings,
    override_setting,
    read_durable,
)
from taskhub.versions import FailureStrategy, MatchStrategy

SETTINGS = DurableSettings(
    hub_name="Orders",
    connection_name="DurableManagementStorage",
    tracking_connection_name="Tracking",
    tracking_prefix="DurableTask",
    default_version="2.0",
    version_match_strategy=MatchStrategy.CURRENT_OR_OLDER,
    version_failure_strategy=FailureStrategy.REJECT,
)


def test_app_settings_override_host_json_paths() -> None:
    settings = SETTINGS.app_settings()
    prefix = "AzureFunctionsJobHost__extensions__durableTask__"
    assert settings[prefix + "hubName"] == "Orders"
    assert settings[prefix + "storageProvider__connectionName"] == "DurableManagementStorage"
    assert settings[prefix + "storageProvider__trackingStoreConnectionName"] == "Tracking"
    assert settings[prefix + "storageProvider__trackingStoreNamePrefix"] == "DurableTask"
    assert settings[prefix + "defaultVersion"] == "2.0"
    assert settings[prefix + "versionMatchStrategy"] == "CurrentOrOlder"
    assert settings[prefix + "versionFailureStrategy"] == "Reject"
    assert override_setting("hubName") == prefix + "hubName"


def test_host_json_fragment_has_the_same_values() -> None:
    durable = SETTINGS.host_json()["extensions"]["durableTask"]
    assert durable["hubName"] == "Orders"
    assert durable["storageProvider"] == {
        "connectionName": "DurableManagementStorage",
        "trackingStoreConnectionName": "Tracking",
        "trackingStoreNamePrefix": "DurableTask",
    }
    assert durable["versionMatchStrategy"] == "CurrentOrOlder"


def test_functions_v1_shape_is_flat_and_has_no_versioning() -> None:
    plain = DurableSettings(hub_name="Orders", connection_name="Durable", partition_count=8)
    assert plain.host_json_v1() == {
        "durableTask": {
            "hubName": "Orders",
            "azureStorageConnectionStringName": "Durable",
            "partitionCount": 8,
        }
    }
    with pytest.raises(ValueError, match=r"1\.x"):
        SETTINGS.host_json_v1()


def test_state_setting_names_cover_the_identity_family() -> None:
    names = SETTINGS.state_setting_names()
    assert {
        "DurableManagementStorage",
        "DurableManagementStorage__accountName",
        "Tracking__tableServiceUri",
    } <= names
    assert "AzureFunctionsJobHost__extensions__durableTask__hubName" in names


@pytest.mark.parametrize(
    ("sku", "family", "slots"),
    [
        ("Y1", PlanFamily.CONSUMPTION, 2),
        ("FC1", PlanFamily.FLEX_CONSUMPTION, 1),
        ("EP2", PlanFamily.ELASTIC_PREMIUM, 3),
        ("B1", PlanFamily.DEDICATED, 1),
        ("S1", PlanFamily.DEDICATED, 5),
        ("P1v3", PlanFamily.DEDICATED, 20),
    ],
)
def test_plan_families_and_slot_counts(sku: str, family: PlanFamily, slots: int) -> None:
    assert plan_family(sku) is family
    assert max_slots(sku) == slots


# --- Reading where a host keeps its durable state (taskhub/hostjson.py `read_durable`) ---

HOST = "AzureFunctionsJobHost__extensions__durableTask__"
# The three names of the durable connection in the Azure docs' host.json reference
# (MicrosoftDocs/azure-docs includes/functions-host-json-durabletask.md, the property
# table: "connectionName (v2.7.0 and later), connectionStringName (v2.x),
# azureStorageConnectionStringName (v1.x)"), as app settings override them.
V2 = HOST + "storageProvider__connectionName"
V2_ALIAS = HOST + "storageProvider__connectionStringName"
SEED = HOST + "azureStorageConnectionStringName"


def test_live_settings_written_by_the_components_read_back() -> None:
    declared = DurableSettings(
        hub_name="Orders",
        connection_name="Durable",
        tracking_connection_name="Track",
        tracking_prefix="Shared",
    )
    live = DurableReading.from_app_settings(declared.app_settings())
    assert live is not None
    assert (live.hub_name, live.connection_name) == ("Orders", "Durable")
    assert (live.tracking_connection_name, live.tracking_prefix) == ("Track", "Shared")
    assert live.instances_connection_name == "Track"
    assert DurableReading.from_app_settings({"X": "1"}) is None


@pytest.mark.parametrize("key", [V2, V2_ALIAS])
def test_both_names_of_the_2x_property_are_read(key: str) -> None:
    reading = read_durable({HOST + "hubName": "Orders", key: "Durable"})
    assert reading.connection_name == "Durable" and reading.unknown is None


def test_keys_are_read_in_any_case_and_with_colons() -> None:
    """.NET configuration keys are case-insensitive and `__` is `:`; Windows allows `:`."""
    reading = read_durable(
        {
            "azurefunctionsjobhost:Extensions:DURABLETASK:hubname": "Orders",
            "AZUREFUNCTIONSJOBHOST__extensions__durableTask__StorageProvider__ConnectionName": "D",
        }
    )
    assert (reading.hub_name, reading.connection_name) == ("Orders", "D")


def test_the_seed_form_alone_cannot_tell_the_connection() -> None:
    """Durable Functions 1.x reads azureStorageConnectionStringName; 2.x and later ignore it
    and read storageProvider from the package's host.json, unseen from app settings."""
    reading = DurableReading.from_app_settings(
        {HOST + "hubName": "Orders", SEED: "DurableManagementStorage"}
    )
    assert reading is not None and reading.connection_name is None
    assert reading.instances_connection_name is None
    assert reading.unknown and "1.x" in reading.unknown and "ignore" in reading.unknown
    assert "DurableManagementStorage" in reading.named_connections  # never sticky
    with pytest.raises(ConfigurationError) as info:
        reading.require_instances_connection("slot 'production'")
    assert "--connection-setting" in info.value.fix
    assert "storageProvider__connectionName" in info.value.fix


def test_a_hub_without_a_connection_is_left_to_host_json_not_assumed() -> None:
    reading = read_durable({HOST + "hubName": "Orders"})
    assert reading.connection_name is None
    assert reading.unknown and "host.json" in reading.unknown
    assert RUNTIME_STORAGE_SETTING in reading.named_connections


def test_the_2x_form_settles_the_version() -> None:
    """storageProvider is written only for 2.x and later, which ignore the 1.x key."""
    reading = read_durable({HOST + "hubName": "Orders", V2: "Durable", SEED: "Other"})
    assert reading.connection_name == "Durable"


def test_two_names_of_one_property_that_disagree_are_unknown() -> None:
    reading = read_durable({HOST + "hubName": "Orders", V2: "A", V2_ALIAS: "B"})
    assert reading.connection_name is None
    assert reading.unknown and "both set and differ" in reading.unknown


def test_one_key_spelt_twice_with_two_values_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="different values"):
        read_durable({HOST + "hubName": "Orders", V2: "A", V2.upper(): "B"})


# The Azure docs' host.json examples (same include file), trimmed to the keys read here.
HOST_JSON_2X: dict[str, Any] = {
    "version": "2.0",
    "extensionBundle": {"id": "Microsoft.Azure.Functions.ExtensionBundle", "version": "[4.*, 5)"},
    "extensions": {
        "durableTask": {
            "hubName": "MyTaskHub",
            "storageProvider": {
                "connectionStringName": "AzureWebJobsStorage",
                "trackingStoreConnectionStringName": "TrackingStorage",
                "trackingStoreNamePrefix": "DurableTask",
            },
        }
    },
}
SEED_HOST_JSON: dict[str, Any] = {
    "version": "2.0",
    "extensions": {
        "durableTask": {
            "hubName": "MyTaskHub",
            "azureStorageConnectionStringName": "DurableStorage",
            "trackingStoreConnectionStringName": "TrackingStorage",
            "trackingStoreNamePrefix": "DurableTask",
        }
    },
}


def test_a_2x_host_json_is_read_with_its_app_setting_overrides() -> None:
    reading = read_durable({}, HOST_JSON_2X)
    assert (reading.hub_name, reading.connection_name) == ("MyTaskHub", "AzureWebJobsStorage")
    assert (reading.tracking_connection_name, reading.tracking_prefix) == (
        "TrackingStorage",
        "DurableTask",
    )
    overridden = read_durable({HOST + "storageProvider__connectionStringName": "X"}, HOST_JSON_2X)
    assert overridden.connection_name == "X"


def test_the_seed_form_in_a_bundle_app_is_ignored_as_the_host_ignores_it() -> None:
    """An app with extensionBundle runs Durable Functions 2.x or later (azure-functions-host
    FunctionsSyncManager.GetDurableMajorVersionAsync), which never reads the 1.x key."""
    bundled = {**SEED_HOST_JSON, "extensionBundle": HOST_JSON_2X["extensionBundle"]}
    reading = read_durable({}, bundled)
    assert reading.connection_name == RUNTIME_STORAGE_SETTING
    assert reading.tracking_connection_name is None


def test_the_seed_form_without_a_bundle_is_unknown() -> None:
    reading = read_durable({}, SEED_HOST_JSON)
    assert reading.connection_name is None and reading.unknown


def test_the_functions_1x_flat_shape() -> None:
    """Functions 1.0: durableTask at host.json's root, read by Durable Functions 1.x only."""
    flat = {"durableTask": SEED_HOST_JSON["extensions"]["durableTask"]}
    reading = read_durable({HOST + "hubName": "Ignored"}, flat)
    assert (reading.hub_name, reading.connection_name) == ("MyTaskHub", "DurableStorage")
    assert reading.instances_connection_name == "TrackingStorage"
    assert read_durable({}, {"durableTask": {"hubName": "H"}}).connection_name == (
        RUNTIME_STORAGE_SETTING
    )


def test_the_hub_name_resolves_app_settings_as_the_extension_does() -> None:
    document = {"version": "2.0", "extensions": {"durableTask": {"hubName": "%TaskHubName%"}}}
    assert read_durable({"TASKHUBNAME": "OrdersProd"}, document).hub_name == "OrdersProd"
    assert read_durable({}, document).hub_name == "%TaskHubName%"  # refused by TaskHub
