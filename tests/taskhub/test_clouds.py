"""Which endpoints may receive an Entra ID token (taskhub/clouds.py): a known cloud's storage
suffix (azure-cli cloud.py `storage_endpoint`) over https, or what the user named."""

from __future__ import annotations

import pytest

from taskhub.clouds import is_allowed, require_token_endpoint
from taskhub.connection import StorageConnection
from taskhub.errors import ConfigurationError


@pytest.mark.parametrize(
    "url",
    [
        "https://acct.table.core.windows.net",
        "https://acct.table.core.windows.net:443/",
        "https://ACCT.Table.Core.Windows.Net",
        "https://acct.table.core.windows.net./",
        "https://acct.table.core.chinacloudapi.cn",
        "https://acct.table.core.usgovcloudapi.net",
    ],
)
def test_azure_storage_endpoints_may_receive_a_token(url: str) -> None:
    assert is_allowed(url, ())


@pytest.mark.parametrize(
    "url",
    [
        "http://acct.table.core.windows.net",  # no TLS
        "https://acct.table.core.windows.net.evil.example",
        "https://evilcore.windows.net",
        "https://core.windows.net",
        "https://acct.table.core.windows.net@evil.example",
        "https://evil.example#@acct.table.core.windows.net",
        "https://evil.example/acct.table.core.windows.net",
        "https://acct.table.core.cloudapi.de",  # the German cloud closed in 2021
        "https://acct.table.core.windows.net:99999",
        "https://127.0.0.1:10002/devstoreaccount1",
    ],
)
def test_anything_else_may_not(url: str) -> None:
    assert not is_allowed(url, ())
    with pytest.raises(ConfigurationError) as info:
        require_token_endpoint(url, (), "--account-url")
    assert "--allow-endpoint" in info.value.fix


def test_a_named_host_or_endpoint_may() -> None:
    assert is_allowed("http://127.0.0.1:10002/acct", ["127.0.0.1:10002"])
    assert not is_allowed("http://127.0.0.1:10003/acct", ["127.0.0.1:10002"])
    assert is_allowed("https://localhost:8443/acct", ["LOCALHOST"])


def test_a_sas_url_needs_no_allowance_and_an_identity_url_does() -> None:
    """A SAS is the user's own secret in the URL they gave; a token is the pipeline's."""
    sas = StorageConnection.from_account_url("https://evil.example/acct?sv=1&sig=abc")
    assert sas.endpoint == "https://evil.example/acct"
    with pytest.raises(ConfigurationError, match="not a storage endpoint of a known Azure"):
        StorageConnection.from_account_url("https://evil.example/acct")
    with pytest.raises(ConfigurationError, match="Durable__tableServiceUri"):
        StorageConnection.from_setting(
            "Durable", {"Durable__tableServiceUri": "https://evil.example/acct"}
        )
