"""Connection strings read as durabletask-dotnet's DbConnectionStringBuilder reads them."""

from __future__ import annotations

import pytest

from taskhub.errors import ConfigurationError
from taskhub.scheduler.connection_kind import ConnectionKind, connection_kind
from taskhub.scheduler.connection_string import (
    Authentication,
    parse_pairs,
    parse_scheduler_connection_string,
)

AZURE = "Endpoint=https://sched-1.westus2.durabletask.io;Authentication=ManagedIdentity"


def test_keys_are_case_insensitive_and_whitespace_is_ignored() -> None:
    parsed = parse_scheduler_connection_string(
        " endpoint = https://s.westus2.durabletask.io ; AUTHENTICATION=workloadidentity;"
        "clientid=abc;TENANTID=t-1;tokenFilePath=/var/run/token;taskhub=Hub1;"
    )
    assert parsed.endpoint == "https://s.westus2.durabletask.io:443"
    assert parsed.authentication is Authentication.WORKLOAD_IDENTITY
    assert (parsed.client_id, parsed.tenant_id, parsed.token_file_path, parsed.task_hub) == (
        "abc",
        "t-1",
        "/var/run/token",
        "Hub1",
    )


def test_an_endpoint_without_a_scheme_is_https() -> None:
    parsed = parse_scheduler_connection_string(
        "Endpoint=s.westus2.durabletask.io;Authentication=DefaultAzure"
    )
    assert parsed.endpoint == "https://s.westus2.durabletask.io:443"
    assert parsed.target == "s.westus2.durabletask.io:443"
    assert parsed.secure


def test_the_emulator_string_is_plain_http_without_authentication() -> None:
    parsed = parse_scheduler_connection_string(
        "Endpoint=http://localhost:8080;Authentication=None;TaskHub=default"
    )
    assert (parsed.endpoint, parsed.secure, parsed.hub()) == (
        "http://localhost:8080",
        False,
        "default",
    )


def test_quoted_values_doubled_quotes_and_the_last_duplicate() -> None:
    pairs = parse_pairs('A=\'x;y\';B="say ""hi""";a==b=1;A=last')
    assert pairs == {"a": "last", "b": 'say "hi"', "a=b": "1"}


@pytest.mark.parametrize("text", ["Endpoint", "A='open", "A='x' y;B=1", "=1"])
def test_a_malformed_string_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_pairs(text)


def test_the_hub_argument_wins_over_taskhub() -> None:
    parsed = parse_scheduler_connection_string(AZURE + ";TaskHub=fromstring")
    assert parsed.hub("fromoption") == "fromoption"
    assert parsed.hub(None) == "fromstring"
    assert parsed.hub("  ") == "fromstring"


def test_no_hub_anywhere_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="no task hub"):
        parse_scheduler_connection_string(AZURE).hub(None)


@pytest.mark.parametrize("hub", ["two words", "h\u00fcb", "tab\there"])
def test_a_hub_that_cannot_be_metadata_is_refused(hub: str) -> None:
    with pytest.raises(ConfigurationError, match="metadata"):
        parse_scheduler_connection_string(AZURE).hub(hub)


def test_none_is_refused_for_an_https_endpoint() -> None:
    with pytest.raises(ConfigurationError, match="Authentication=None"):
        parse_scheduler_connection_string("Endpoint=https://s.durabletask.io;Authentication=None")


def test_a_token_is_never_sent_over_http() -> None:
    with pytest.raises(ConfigurationError, match="clear text"):
        parse_scheduler_connection_string("Endpoint=http://s.example;Authentication=AzureCLI")


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("Authentication=None", "no Endpoint"),
        ("Endpoint=https://s.durabletask.io", "no Authentication"),
        ("Endpoint=https://s.durabletask.io;Authentication=Kerberos", "Kerberos"),
        ("Endpoint=ftp://s.durabletask.io;Authentication=None", "not a scheduler address"),
        ("Endpoint=https://s.durabletask.io/path;Authentication=DefaultAzure", "not a scheduler"),
    ],
)
def test_what_is_wrong_is_named(text: str, problem: str) -> None:
    with pytest.raises(ConfigurationError, match=problem):
        parse_scheduler_connection_string(text)


def test_every_documented_authentication_value_is_accepted() -> None:
    # docs/domain.md: the values GetCredentialFromConnectionString accepts, in any case.
    for value in [
        "DefaultAzure",
        "ManagedIdentity",
        "WorkloadIdentity",
        "Environment",
        "AzureCLI",
        "AzurePowerShell",
        "VisualStudio",
        "VisualStudioCode",
        "InteractiveBrowser",
        "None",
    ]:
        assert Authentication.parse(value.upper()).value == value


def test_an_unparsable_string_is_not_echoed() -> None:
    secret = "AccountKey=c2VjcmV0a2V5dmFsdWU=;Account='open"
    with pytest.raises(ConfigurationError) as caught:
        parse_scheduler_connection_string(secret)
    assert "c2VjcmV0" not in str(caught.value)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        (AZURE, ConnectionKind.SCHEDULER),
        ("endpoint=http://localhost:8080;authentication=none", ConnectionKind.SCHEDULER),
        ("Endpoint=https://s.durabletask.io", ConnectionKind.SCHEDULER),  # then: no Authentication
        ("UseDevelopmentStorage=true", ConnectionKind.STORAGE),
        (
            "DefaultEndpointsProtocol=https;AccountName=a;AccountKey=a2V5;EndpointSuffix=core.windows.net",
            ConnectionKind.STORAGE,
        ),
        (
            "TableEndpoint=https://a.table.core.windows.net;SharedAccessSignature=sv=1",
            ConnectionKind.STORAGE,
        ),
    ],
)
def test_the_shape_tells_the_backend(text: str, kind: ConnectionKind) -> None:
    assert connection_kind(text) is kind


@pytest.mark.parametrize(
    "text",
    [
        "Server=tcp:x.database.windows.net;Database=dt",  # an MSSQL backend's string
        "AccountName=a;AccountKey=a2V5;Endpoint=https://s.durabletask.io;Authentication=None",
        "https://a.table.core.windows.net",
    ],
)
def test_anything_else_names_both_forms(text: str) -> None:
    with pytest.raises(ConfigurationError) as caught:
        connection_kind(text)
    assert "Durable Task Scheduler" in caught.value.fix and "AccountName" in caught.value.fix
    assert "a2V5" not in str(caught.value)
