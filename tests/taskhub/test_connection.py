import pytest

from taskhub.connection import StorageConnection
from taskhub.errors import ConfigurationError

KEY = "dGVzdC1zZWNyZXQta2V5LXRoYXQtbXVzdC1uZXZlci1sZWFr"
CONN = (
    "DefaultEndpointsProtocol=https;AccountName=acct;"
    f"AccountKey={KEY};EndpointSuffix=core.windows.net"
)


def test_connection_string_resolves_the_table_endpoint() -> None:
    conn = StorageConnection.from_connection_string(CONN)
    assert conn.endpoint == "https://acct.table.core.windows.net"
    assert KEY not in conn.description and KEY not in repr(conn)
    assert CONN in conn.secrets


def test_development_storage_shortcut() -> None:
    conn = StorageConnection.from_connection_string("UseDevelopmentStorage=true")
    assert conn.endpoint == "http://127.0.0.1:10002/devstoreaccount1"


def test_broken_connection_string_does_not_echo_the_key() -> None:
    with pytest.raises(ConfigurationError) as info:
        StorageConnection.from_connection_string(f"AccountKey={KEY}")
    assert KEY not in str(info.value)


def test_setting_holding_a_connection_string() -> None:
    conn = StorageConnection.from_setting(
        "DurableManagementStorage", {"DurableManagementStorage": CONN}
    )
    assert conn.endpoint == "https://acct.table.core.windows.net"
    assert "DurableManagementStorage" in conn.description


def test_setting_in_identity_form_by_account_name() -> None:
    conn = StorageConnection.from_setting(
        "Durable", {"Durable__accountName": "slotdurable", "Durable__clientId": "1234"}
    )
    assert conn.endpoint == "https://slotdurable.table.core.windows.net"
    assert conn.connection_string is None and conn.credential is not None
    assert "DefaultAzureCredential" in conn.description


def test_setting_in_identity_form_by_table_uri() -> None:
    conn = StorageConnection.from_setting(
        "Durable", {"Durable__tableServiceUri": "https://x.table.core.windows.net/"}
    )
    assert conn.endpoint == "https://x.table.core.windows.net"


def test_missing_setting_lists_what_was_looked_for() -> None:
    with pytest.raises(ConfigurationError) as info:
        StorageConnection.from_setting("Durable", {})
    assert "Durable__accountName" in str(info.value)


def test_a_value_passed_as_the_setting_name_is_refused_without_echo() -> None:
    with pytest.raises(ConfigurationError) as info:
        StorageConnection.from_setting(CONN, {})
    assert KEY not in str(info.value)


def test_account_url_with_a_sas_keeps_the_signature_secret() -> None:
    conn = StorageConnection.from_account_url(
        "https://acct.table.core.windows.net/?sv=2022-11-02&sig=s3cr3t%3D&se=2030"
    )
    assert conn.endpoint == "https://acct.table.core.windows.net"
    assert "s3cr3t" not in conn.description
    assert any("s3cr3t" in s for s in conn.secrets)


def test_account_url_must_be_http() -> None:
    with pytest.raises(ConfigurationError, match="not an http"):
        StorageConnection.from_account_url("acct.table.core.windows.net")


# The host's order (azure-functions-durable-extension WebJobsConnectionInfoProvider.Resolve,
# WebJobs GetWebJobsConnectionSection): ConnectionStrings:AzureWebJobs<NAME>,
# AzureWebJobs<NAME>, ConnectionStrings:<NAME>, <NAME>; App Service exports a "Custom"
# connection string as CUSTOMCONNSTR_<NAME> (.NET EnvironmentVariablesConfigurationProvider).
OTHER = CONN.replace("AccountName=acct", "AccountName=other")


@pytest.mark.parametrize(
    ("environ", "account"),
    [
        ({"AzureWebJobsDurable": CONN, "Durable": OTHER}, "acct"),
        ({"CUSTOMCONNSTR_Durable": CONN, "Durable": OTHER}, "acct"),
        ({"CUSTOMCONNSTR_AzureWebJobsDurable": CONN, "AzureWebJobsDurable": OTHER}, "acct"),
        ({"AzureWebJobsDurable__accountName": "acct", "Durable": OTHER}, "acct"),
        ({"durable": CONN}, "acct"),
        ({"DURABLE__ACCOUNTNAME": "acct"}, "acct"),
        ({"Durable:tableServiceUri": "https://acct.table.core.windows.net"}, "acct"),
    ],
)
def test_a_setting_resolves_in_the_hosts_order(environ: dict[str, str], account: str) -> None:
    conn = StorageConnection.from_setting("Durable", environ)
    assert conn.endpoint == f"https://{account}.table.core.windows.net"


def test_an_empty_prefixed_setting_shadows_the_plain_one_as_in_the_host() -> None:
    """A section with an empty value still exists (IConfigurationSection.Exists), so the host
    takes it and fails; the toolkit says so instead of reading the other setting."""
    with pytest.raises(ConfigurationError, match="AzureWebJobsDurable names no table endpoint"):
        StorageConnection.from_setting("Durable", {"AzureWebJobsDurable": "", "Durable": CONN})


def test_an_account_name_that_is_not_one_is_refused() -> None:
    with pytest.raises(ConfigurationError, match="not a storage account name"):
        StorageConnection.from_setting("Durable", {"Durable__accountName": "evil.example#"})
