import pytest

from taskhub.app_service_plans import PlanFamily, max_slots, plan_family
from taskhub.hostjson import DurableSettings, override_setting
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
