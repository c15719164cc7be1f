"""Bearer tokens over TLS: sent on every call, for the scheduler's scope, and never shown.

The stand-in serves TLS with a certificate made for the run (standins/arm/tls.py) and checks
the `authorization` metadata as the real scheduler does; the credential is
standins/scheduler/tokens.py's, so the tokens it hands out are known.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from azure.core.exceptions import ClientAuthenticationError

from standins.arm.tls import self_signed_certificate
from standins.scheduler.scenarios import busy_hub
from standins.scheduler.server import Address, SchedulerStandIn
from standins.scheduler.tokens import FakeTokenCredential
from standins.scheduler.worker import hub_client, running_worker
from taskhub.errors import AccessDeniedError
from taskhub.scheduler.grpc_errors import Retry
from taskhub.scheduler.source import SchedulerInstanceSource, open_scheduler_source
from taskhub.secrets import redact
from tests.taskhub.scheduler.conftest import StartStandIn

HUB = "orders"
WORKER_TOKEN = "worker-token-0001"
DATA_READER = "d6a5505f-6ebb-45a4-896e-ac8274cfc0ac"  # docs/domain.md, "Durable Task Scheduler"
SCOPE = "https://durabletask.io/.default"  # durabletask-azuremanaged access_token_manager.py


def tls_source(
    address: Address, certificate: Path, credential: object, auth: str = "DefaultAzure"
) -> SchedulerInstanceSource:
    return open_scheduler_source(
        f"Endpoint=https://{address.tls};Authentication={auth};TaskHub={HUB}",
        retry=Retry(retries=1, backoff=0.01, timeout=5.0),
        credential=credential,
        root_certificates=certificate.read_bytes(),
    )


def serve(
    start: StartStandIn, tmp_path: Path, **options: object
) -> tuple[SchedulerStandIn, Address, Path]:
    certificate, key = self_signed_certificate(tmp_path)
    stand_in, address = start(tls=(certificate, key), **options)
    return stand_in, address, certificate


def test_every_call_carries_the_hub_and_a_token_for_the_scheduler_scope(
    start_standin: StartStandIn, tmp_path: Path
) -> None:
    accepted = [WORKER_TOKEN]
    credential = FakeTokenCredential(issued=accepted)
    stand_in, address, certificate = serve(start_standin, tmp_path, tokens=accepted, page_cap=4)
    with running_worker(address.plain, HUB, token=WORKER_TOKEN):
        scenario = busy_hub(hub_client(address.plain, HUB, token=WORKER_TOKEN))
        before = len(stand_in.calls)
        with tls_source(address, certificate, credential) as hub:
            records = hub.instances()
    ours = stand_in.calls[before:]
    assert len(records) == len(scenario.versions)
    assert {c.rpc for c in ours} == {"QueryInstances", "StreamInstanceHistory", "GetInstance"}
    assert {(c.hub, c.authorization) for c in ours} == {(HUB, f"Bearer {credential.issued[1]}")}
    assert credential.scopes == [(SCOPE,)]  # one token, reused while it is fresh


def test_a_refused_token_is_access_denied_naming_the_data_role(
    start_standin: StartStandIn, tmp_path: Path
) -> None:
    credential = FakeTokenCredential()  # its tokens are not the stand-in's
    _, address, certificate = serve(start_standin, tmp_path, tokens=[WORKER_TOKEN])
    with tls_source(address, certificate, credential) as hub, pytest.raises(AccessDeniedError) as e:
        hub.unfinished()
    assert "UNAUTHENTICATED" in e.value.message
    assert DATA_READER in e.value.fix and "Durable Task Data Reader" in e.value.fix
    assert credential.issued[0] not in str(e.value)


def test_an_identity_without_the_role_is_access_denied(
    start_standin: StartStandIn, tmp_path: Path
) -> None:
    denied: list[str] = []
    credential = FakeTokenCredential(issued=denied)
    _, address, certificate = serve(start_standin, tmp_path, tokens=[WORKER_TOKEN], denied=denied)
    with tls_source(address, certificate, credential) as hub, pytest.raises(AccessDeniedError) as e:
        hub.has_any_instance()
    assert "PERMISSION_DENIED" in e.value.message
    assert DATA_READER in e.value.fix


def test_a_credential_that_cannot_sign_in_is_access_denied(
    start_standin: StartStandIn, tmp_path: Path
) -> None:
    class NoSignIn:
        def get_token(self, *scopes: str, **kwargs: object) -> object:
            raise ClientAuthenticationError("AzureCliCredential: please run 'az login'")

    _, address, certificate = serve(start_standin, tmp_path, tokens=[WORKER_TOKEN])
    with tls_source(address, certificate, NoSignIn()) as hub, pytest.raises(AccessDeniedError) as e:
        hub.unfinished()
    assert "az login" in e.value.message


def test_tokens_are_registered_as_secrets(start_standin: StartStandIn, tmp_path: Path) -> None:
    accepted = [WORKER_TOKEN]
    credential = FakeTokenCredential(issued=accepted, prefix="a-distinct-token-value")
    _, address, certificate = serve(start_standin, tmp_path, tokens=accepted)
    with tls_source(address, certificate, credential) as hub:
        hub.unfinished()
    token = credential.issued[-1]
    assert redact(f"hub named {token}") == "hub named ***"
