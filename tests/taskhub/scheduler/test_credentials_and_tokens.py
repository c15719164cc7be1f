"""Which azure-identity credential each Authentication value gives, and token refresh."""

from __future__ import annotations

from typing import Any

import azure.identity as identity
import pytest

from standins.scheduler.tokens import FakeTokenCredential
from taskhub.errors import ConfigurationError
from taskhub.scheduler.call_metadata import SCOPE, BearerTokens
from taskhub.scheduler.connection_string import parse_scheduler_connection_string
from taskhub.scheduler.credentials import credential_for
from taskhub.secrets import redact

ENDPOINT = "Endpoint=https://s.westus2.durabletask.io"


def credential(rest: str) -> Any:
    return credential_for(parse_scheduler_connection_string(f"{ENDPOINT};{rest}"))


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ("DefaultAzure", identity.DefaultAzureCredential),
        ("ManagedIdentity", identity.ManagedIdentityCredential),
        ("Environment", identity.EnvironmentCredential),
        ("AzureCLI", identity.AzureCliCredential),
        ("AzurePowerShell", identity.AzurePowerShellCredential),
        ("VisualStudioCode", identity.VisualStudioCodeCredential),
        ("InteractiveBrowser", identity.InteractiveBrowserCredential),
    ],
)
def test_each_value_names_its_credential(value: str, kind: type) -> None:
    assert type(credential(f"Authentication={value}")) is kind


def test_client_id_tenant_and_token_file_reach_the_credentials(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given: dict[str, dict[str, Any]] = {}

    def recorder(name: str) -> Any:
        return lambda **kwargs: given.setdefault(name, kwargs)

    monkeypatch.setattr(identity, "ManagedIdentityCredential", recorder("managed"))
    monkeypatch.setattr(identity, "WorkloadIdentityCredential", recorder("workload"))
    credential("Authentication=ManagedIdentity;ClientID=mi-1")
    credential(
        "Authentication=WorkloadIdentity;ClientID=wi-1;TenantId=t-1;TokenFilePath=/t;"
        "AdditionallyAllowedTenants=a, b"
    )
    assert given["managed"] == {"client_id": "mi-1"}
    assert given["workload"] == {
        "tenant_id": "t-1",
        "client_id": "wi-1",
        "token_file_path": "/t",
        "additionally_allowed_tenants": ["a", "b"],
    }


def test_visual_studio_has_no_python_credential() -> None:
    with pytest.raises(ConfigurationError, match="VisualStudio"):
        credential("Authentication=VisualStudio")


def test_none_has_no_credential() -> None:
    text = "Endpoint=http://localhost:8080;Authentication=None"
    assert credential_for(parse_scheduler_connection_string(text)) is None


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def test_a_token_is_reused_until_ten_minutes_before_it_expires() -> None:
    clock = Clock()
    fake = FakeTokenCredential(lifetime=3600, clock=clock)
    tokens = BearerTokens(fake, clock=clock)
    first = tokens.header()
    clock.now += 3600 - 601
    assert tokens.header() == first
    clock.now += 2  # 599 s left: inside the 600 s window of access_token_manager.py
    assert tokens.header() != first
    assert fake.scopes == [(SCOPE,), (SCOPE,)]
    assert SCOPE == "https://durabletask.io/.default"


def test_every_token_is_masked_once_issued() -> None:
    fake = FakeTokenCredential(prefix="masked-token-value")
    header = BearerTokens(fake).header()
    token = header.removeprefix("Bearer ")
    assert redact(f"the hub {token} answered") == "the hub *** answered"
