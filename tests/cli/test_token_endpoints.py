"""An Entra ID token goes to Azure's storage endpoints only (taskhub/clouds.py).

A capture server stands where a hostile `--account-url`, `--stack-output` tableEndpoint or
slot `__tableServiceUri` points; the CLI gets real tokens from the ARM stand-in's managed
identity endpoint (DefaultAzureCredential's own code path) and trusts the capture server's
certificate, so only the toolkit's refusal keeps the token away. Each refusal is exit 2 and
the capture sees no request at all; `--allow-endpoint` lets the same token through, which
shows the capture would have seen it.

Each is also tried in a disguise: `https://127.0.0.1:PORT\\@acct.table.core.windows.net/acct`
reads as an Azure host to `urlsplit` (userinfo up to the last `@`) and as the capture server
to urllib3, which ends the authority at the backslash and is what the request is sent with.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from standins.arm import RunningArm, SlotState, running_arm
from standins.azurite import DEV_ACCOUNT, Azurite
from standins.serve import serve_in_thread
from taskhub.hostjson import DEFAULT_DURABLE_SETTING, DurableSettings
from tests.support.arm_fixtures import APP, GROUP, STICKY, SUBSCRIPTION, Deployment, release
from tests.support.helpers import Cli


@dataclass
class Capture:
    url: str
    seen: list[dict[str, str]] = field(default_factory=list)

    @property
    def endpoint(self) -> str:
        return self.url.removeprefix("https://")

    def authorizations(self) -> list[str]:
        return [h["authorization"] for h in self.seen if "authorization" in h]


def plain(capture: Capture) -> str:
    return f"{capture.url}/acct"


def disguised(capture: Capture) -> str:
    return f"{capture.url}\\@acct.table.core.windows.net/acct"


ENDPOINTS = pytest.mark.parametrize("endpoint_of", [plain, disguised])


@pytest.fixture(name="arm")
def arm_stand_in(tmp_path: Path) -> Iterator[RunningArm]:
    with running_arm(tmp_path) as running:
        yield running


@pytest.fixture(name="capture")
def capture_server(arm: RunningArm) -> Iterator[Capture]:
    """Records every request's headers; answers 403 so a run that reached it ends at once.
    Served with the ARM stand-in's certificate, which the CLI trusts (REQUESTS_CA_BUNDLE)."""
    seen: list[dict[str, str]] = []

    async def record(request: Request) -> Response:
        seen.append({k.lower(): v for k, v in request.headers.items()})
        return Response(status_code=403)

    app = Starlette(routes=[Route("/{path:path}", record, methods=["GET", "POST", "PUT"])])
    key = arm.certificate.with_suffix(".key")
    with serve_in_thread(app, tls=(arm.certificate, key)) as url:
        yield Capture(url, seen)


@pytest.fixture(name="signed_in")
def signed_in_cli(cli: Cli, arm: RunningArm) -> Cli:
    """The CLI with a managed identity (the stand-in's) and nothing else of Azure's."""
    ambient = {k: "" for k in os.environ if k.startswith("AZURE_")}
    return cli.with_env({**ambient, **arm.env})


def test_an_account_url_outside_azure_gets_no_token(signed_in: Cli, capture: Capture) -> None:
    gate = ["gate", "--hub", "OrdersHub", "--account-url", f"{capture.url}/acct", "--timeout", "0"]
    refused = signed_in(*gate, "--retries", "0", "--json")
    assert refused.code == 2, refused.output
    assert "--allow-endpoint" in refused.json["error"]["fix"]
    assert capture.seen == []
    disguise = ["--hub", "OrdersHub", "--account-url", disguised(capture), "--timeout", "0"]
    refused = signed_in("gate", *disguise, "--retries", "0", "--json")
    assert refused.code == 2, refused.output
    assert "--account-url" in refused.json["error"]["message"]
    assert "not a well-formed endpoint" in refused.json["error"]["message"]
    assert capture.seen == []
    allowed = signed_in(*gate, "--retries", "0", "--allow-endpoint", capture.endpoint)
    assert allowed.code == 2  # the capture answered 403
    assert capture.authorizations() and capture.authorizations()[0].startswith("Bearer ")


@ENDPOINTS
def test_a_stack_output_endpoint_outside_azure_gets_no_token(
    signed_in: Cli, capture: Capture, tmp_path: Path, endpoint_of: Callable[[Capture], str]
) -> None:
    outputs = tmp_path / "outputs.json"
    slot = {"taskHub": "OrdersHub", "tableEndpoint": endpoint_of(capture)}
    outputs.write_text(json.dumps({"apps": {"orders": {"slots": {"production": slot}}}}))
    gate = ["gate", "--stack-output", str(outputs), "--timeout", "0", "--retries", "0"]
    run = signed_in(*gate, "--json")
    assert run.code == 2, run.output
    assert capture.seen == []
    message = run.json["error"]["message"]
    assert message.startswith(f"--stack-output {outputs}"), message
    assert "tableEndpoint" in message


@ENDPOINTS
def test_a_slot_table_service_uri_outside_azure_gets_no_token(
    signed_in: Cli,
    capture: Capture,
    arm: RunningArm,
    azurite: Azurite,
    hub_name: str,
    endpoint_of: Callable[[Capture], str],
) -> None:
    """The slot path of `release`: the production slot's connection is identity-based and its
    `__tableServiceUri` names the capture server."""
    durable = DurableSettings(hub_name=hub_name, connection_name=DEFAULT_DURABLE_SETTING)
    production = {
        STICKY: "prod",
        **durable.app_settings(),
        f"{DEFAULT_DURABLE_SETTING}__tableServiceUri": endpoint_of(capture),
    }
    staging = {
        STICKY: "stage",
        **DurableSettings(f"{hub_name}s", connection_name=DEFAULT_DURABLE_SETTING).app_settings(),
        DEFAULT_DURABLE_SETTING: azurite.connection_string(DEV_ACCOUNT),
    }
    site = arm.stand_in.add_site(
        SUBSCRIPTION,
        GROUP,
        APP,
        {
            "production": SlotState(production, "orders 1.0"),
            "staging": SlotState(staging, "orders 2.0"),
        },
        sticky=[STICKY],
    )
    deployment = Deployment(arm, site, "", signed_in)
    code, result, output = release(deployment, "--release-id", "r1", "--retries", "0")
    assert code == 2, output
    assert result["failed_stage"] == "gate"
    message = result["stages"][-1]["message"]
    assert f"{DEFAULT_DURABLE_SETTING}__tableServiceUri" in message, message
    if endpoint_of is plain:
        assert "not a storage endpoint of a known Azure cloud" in message
        assert "--allow-endpoint" in result["stages"][-1]["fix"]
    else:
        assert "not a well-formed endpoint" in message
    assert capture.seen == []
    assert deployment.swap_calls() == 0
