"""Which endpoints may receive an Entra ID token (taskhub/clouds.py): a known cloud's storage
suffix (azure-cli cloud.py `storage_endpoint`) over https, or what the user named."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from urllib3.util import parse_url

from taskhub.clouds import is_allowed, malformed, require_token_endpoint
from taskhub.connection import StorageConnection
from taskhub.errors import ConfigurationError
from taskhub.scheduler.connection_string import endpoint_connection


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
        "https://evil.example#@acct.table.core.windows.net",
        "https://evil.example/acct.table.core.windows.net",
        "https://acct.table.core.cloudapi.de",  # the German cloud closed in 2021
        "https://127.0.0.1:10002/devstoreaccount1",
    ],
)
def test_anything_else_may_not(url: str) -> None:
    assert not is_allowed(url, ())
    with pytest.raises(ConfigurationError) as info:
        require_token_endpoint(url, (), "--account-url")
    assert "--allow-endpoint" in info.value.fix


MALFORMED = [
    # urllib3 (so requests, so azure-core) ends the authority at a backslash: these connect
    # to 127.0.0.1 while urlsplit's hostname is an Azure one.
    "https://127.0.0.1\\.table.core.windows.net/acct",
    "https://127.0.0.1:8443\\@acct.table.core.windows.net/acct",
    "https://acct.table.core.windows.net@evil.example",
    "https://evil.example@acct.table.core.windows.net",
    "https://acct.table.core.windows.net:99999",
    "https://acct%2etable.core.windows.net",
    "https://acct.table.core.windows.net\t.evil.example",
    "https://acct.table.core.windows.net /acct",
    "https://acct.table.core.windows.net\u2028/acct",
    "https://acct.tabl\u0435.core.windows.net",  # a Cyrillic e
    "https://[acct.table.core.windows.net/acct",
    "https://acct.table.core.windows.net:/acct",
]


@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_endpoint_is_refused_even_when_named(url: str) -> None:
    """Judged as the HTTP stack reads it, or not at all: no allowance, no SAS lets it pass."""
    assert malformed(url) is not None
    assert not is_allowed(url, ["127.0.0.1", "127.0.0.1:8443", "evil.example"])
    with pytest.raises(ConfigurationError, match=r"--account-url .* not a well-formed endpoint"):
        require_token_endpoint(url, (), "--account-url")
    with pytest.raises(ConfigurationError, match="not a well-formed endpoint"):
        StorageConnection.from_account_url(f"{url}?sv=1&sig=abc")
    with pytest.raises(ConfigurationError, match="Durable__tableServiceUri"):
        StorageConnection.from_setting("Durable", {"Durable__tableServiceUri": url})


def test_the_host_judged_is_the_host_urllib3_connects_to() -> None:
    """Why both parsers are asked: for this URL they disagree, and urllib3 sends."""
    url = "https://127.0.0.1\\.table.core.windows.net/acct"
    assert urlsplit(url).hostname == "127.0.0.1\\.table.core.windows.net"
    assert parse_url(url).host == "127.0.0.1"


@pytest.mark.parametrize(
    "url",
    [
        "https://acct.table.core.windows.net/",
        "https://acct.blob.core.windows.net:443/container",
        "http://127.0.0.1:10002/devstoreaccount1",
        "https://[::1]:8443/acct",
        "https://x.westus2.durabletask.io:443",
    ],
)
def test_a_plain_endpoint_is_well_formed(url: str) -> None:
    assert malformed(url) is None


def test_a_scheduler_endpoint_in_disguise_is_refused() -> None:
    """The scheduler's endpoint (a stack output's schedulerEndpoint) goes through the same
    judgement before the pipeline's token is attached."""
    for endpoint in ("https://127.0.0.1\\.westus2.durabletask.io", "https://a@b.durabletask.io"):
        with pytest.raises(ConfigurationError, match="not a scheduler address"):
            endpoint_connection(endpoint, source="stack output orders/production")


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
