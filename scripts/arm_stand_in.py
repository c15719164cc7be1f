"""A loopback stand-in for the few Azure Resource Manager endpoints the release stages call.

No ARM emulator exists, so tests and `make run` drive the real `azure-mgmt-web` client
against this server. It follows Microsoft.Web's contract (azure-rest-api-specs
specification/web/resource-manager/Microsoft.Web/AppService/stable/2025-05-01/WebApps.json,
api-version 2025-05-01) for what we call, and nothing more; tests/test_arm_contract.py
checks every route and returned field against the SDK built from that specification.

- GET .../sites/{name}[/slots/{slot}]                          (WebApps_Get, WebApps_GetSlot)
- POST .../config/appsettings/list, PUT .../config/appsettings (WebApps_ListApplicationSettings,
  WebApps_UpdateApplicationSettings: a whole-collection replace, which is why quiesce merges)
- GET .../config/slotConfigNames                               (WebApps_ListSlotConfigurationNames)
- POST .../[slots/{slot}/]slotsswap {"targetSlot"}: the slot in the path is the **source**,
  `targetSlot` the destination (WebApps_SwapSlot: "Name of the source slot"); 202 with
  Location under the source's path (.../slots/staging/operationresults/{id}, as App Service
  answers, microsoft/azure-pipelines-tasks#13003), 202 while it runs, then 200, or 400 with
  App Service's cause when the swap failed (#5566, #12835, #15068 there)
- POST .../[slots/{slot}/]applySlotConfig {"targetSlot"} and .../resetSlotConfig
  (WebApps_ApplySlotConfigurationSlot, WebApps_ResetSlotConfigurationSlot)

What a swap does to the slots is scripts/arm_slots.py. The site lock: while a swap runs,
every write answers 409 "Cannot modify this site because another operation is in progress"
(microsoft/azure-pipelines-tasks#11384); while a swap with preview is pending, settings
writes and other swaps answer 409 "The slot cannot be changed because its configuration
settings have been prepared for swap" (Azure/azure-cli#27820). ARM's own refusals (sign-in,
permission, missing resource) use ARM's {"error": {"code", "message"}}; App Service's use
its own {"Code", "Message", "Target", "Details", "Innererror"} (scripts/app_service_errors.py).

Tokens come from its App Service managed identity endpoint (IDENTITY_ENDPOINT and
IDENTITY_HEADER), so DefaultAzureCredential runs its own managed-identity code path and
no secret of ours is involved. It serves TLS with a certificate made for the run: azure-core
refuses to send a bearer token over plain HTTP, and so it should.

Every ARM call is recorded in `calls` (method, path, JSON body). Fault switches for tests:
`faults.status` answers every ARM call with that status (401, 403), `faults.burst` answers
the next calls with the listed statuses (500 bursts), `faults.swap_seconds` makes swaps
slow, `faults.swap_status` refuses them, `faults.refuse` refuses any call by its last path
segment, `faults.swap_failure` makes the next swap's poll
end in 400 with that message, `faults.settings_lost` applies settings writes but loses
their answers, and `faults.accepted_then` accepts the next swap but answers
it with that status (a gateway 5xx after the work began), so azure-core retries the POST.
"""

from __future__ import annotations

import datetime
import ipaddress
import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scripts.arm_slots import PRODUCTION, SiteState, SlotState
from scripts.serve import serve_in_thread

API_VERSION = "2025-05-01"
SITE_PATH = (
    "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}"
)
PREPARED_FOR_SWAP = (
    "The slot cannot be changed because its configuration settings have been prepared for swap."
)


@dataclass
class Faults:
    status: int | None = None
    burst: list[int] = field(default_factory=list)
    swap_seconds: float = 0.0
    swap_status: int | None = None
    swap_failure: str | None = None
    accepted_then: int | None = None
    refuse: dict[str, int] = field(default_factory=dict)
    """Last path segment (e.g. "resetSlotConfig") -> the status App Service answers it with."""
    settings_lost: list[int] = field(default_factory=list)
    """Statuses for the next settings PUTs, answered AFTER the settings were applied: the
    answer of a write that took effect is lost (a gateway timeout in front of App Service)."""


@dataclass(frozen=True)
class ArmCall:
    method: str
    path: str
    body: Any = None


@dataclass
class Operation:
    id: str
    site: SiteState
    source: str
    target: str
    done_at: float
    failure: str | None = None
    previewed: bool = False
    """Phase 1 ran as a preview before this swap: a failure leaves the preview pending."""
    finished: bool = False


def _error(status: int, code: str, message: str) -> JSONResponse:
    """ARM's own error body (authentication, authorisation, missing resources)."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


def _app_service_error(status: int, code: str, message: str) -> JSONResponse:
    """App Service's own error body, as in azure-docs' Microsoft.Web `statusMessage` example."""
    body = {
        "Code": code,
        "Message": message,
        "Target": None,
        "Details": [
            {"Message": message},
            {"Code": code},
            {"ErrorEntity": {"Code": code, "Message": message, "ExtendedCode": "04000"}},
        ],
        "Innererror": None,
    }
    return JSONResponse(body, status_code=status)


Handler = Callable[["ArmStandIn", Request, "SiteState"], Awaitable[Response]]


def _arm_call(handler: Handler) -> Callable[[ArmStandIn, Request], Awaitable[Response]]:
    """Records the call, authenticates, applies the fault switches and finds the site."""

    async def endpoint(self: ArmStandIn, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            body = raw.decode(errors="replace")
        self.calls.append(ArmCall(request.method, request.url.path, body))
        found = self._check(request)
        if isinstance(found, Response):
            return found
        with self._lock:
            self._running(found)  # a swap whose time has come ends, polled or not
        return await handler(self, request, found)

    return endpoint


class ArmStandIn:
    """The server's state, its Starlette app, and the environment a client needs."""

    def __init__(self) -> None:
        self.sites: dict[tuple[str, str, str], SiteState] = {}
        self.faults = Faults()
        self.calls: list[ArmCall] = []
        self.identity_header = secrets.token_hex(16)
        self.token = secrets.token_urlsafe(32)
        self._operations: dict[str, Operation] = {}
        self._lock = threading.Lock()
        site, slot = SITE_PATH, SITE_PATH + "/slots/{slot}"
        self.app = Starlette(
            routes=[
                Route("/msi/token", self._token),
                Route(site, self._get_site),
                Route(slot, self._get_site),
                *(
                    route
                    for base in (site, slot)
                    for route in (
                        Route(
                            base + "/config/appsettings/list", self._list_settings, methods=["POST"]
                        ),
                        Route(base + "/config/appsettings", self._put_settings, methods=["PUT"]),
                        Route(base + "/slotsswap", self._swap, methods=["POST"]),
                        Route(base + "/operationresults/{operation}", self._operation),
                        Route(base + "/applySlotConfig", self._apply, methods=["POST"]),
                        Route(base + "/resetSlotConfig", self._reset, methods=["POST"]),
                    )
                ),
                Route(site + "/config/slotConfigNames", self._slot_config_names),
                Route("/_content/{name}/{slot}/{path:path}", self._content),
            ]
        )

    def add_site(
        self,
        subscription: str,
        resource_group: str,
        name: str,
        slots: dict[str, SlotState],
        sticky: list[str] | None = None,
    ) -> SiteState:
        site = SiteState(subscription, resource_group, name, slots, list(sticky or []))
        self.sites[(subscription.lower(), resource_group.lower(), name.lower())] = site
        return site

    def client_env(self, base_url: str, certificate: Path) -> dict[str, str]:
        """What a `durable-deploy` process needs to reach this server, and nothing secret."""
        return {
            "DURABLE_DEPLOY_ARM_ENDPOINT": base_url,
            "IDENTITY_ENDPOINT": f"{base_url}/msi/token",
            "IDENTITY_HEADER": self.identity_header,
            "REQUESTS_CA_BUNDLE": str(certificate),
            "SSL_CERT_FILE": str(certificate),
        }

    def content_url(self, base_url: str, name: str, slot: str, path: str = "api/health") -> str:
        return f"{base_url}/_content/{name}/{slot}/{path}"

    # --- the managed identity endpoint (App Service, api-version 2019-08-01) ---

    async def _token(self, request: Request) -> Response:
        if request.headers.get("x-identity-header") != self.identity_header:
            return JSONResponse({"error": "invalid identity header"}, status_code=401)
        return JSONResponse(
            {
                "access_token": self.token,
                "expires_on": str(int(time.time()) + 3600),
                "resource": request.query_params.get("resource", ""),
                "token_type": "Bearer",
            }
        )

    # --- ARM ---

    def _check(self, request: Request) -> SiteState | Response:
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "AuthenticationFailed", "Authentication failed.")
        if self.faults.status is not None:
            status = self.faults.status
            code = {403: "AuthorizationFailed"}.get(status, "Fault")
            return _error(status, code, f"The client does not have authorization ({status}).")
        if self.faults.burst:
            status = self.faults.burst.pop(0)
            return _error(status, "InternalServerError", "Transient failure, try again.")
        if (refused := self.faults.refuse.get(request.url.path.rsplit("/", 1)[-1])) is not None:
            return _app_service_error(refused, "BadRequest", "The operation was refused (fault).")
        if request.query_params.get("api-version") is None:
            return _error(400, "MissingApiVersionParameter", "api-version is required.")
        p = request.path_params
        site = self.sites.get((p["subscription"].lower(), p["group"].lower(), p["name"].lower()))
        if site is None:
            return _error(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.Web/sites/{p['name']}' under resource group "
                f"'{p['group']}' was not found.",
            )
        slot = p.get("slot", PRODUCTION)
        if slot not in site.slots:
            return _error(
                404, "ResourceNotFound", f"Slot '{slot}' of site '{site.name}' was not found."
            )
        return site

    def _resource_id(self, site: SiteState, slot: str, suffix: str = "") -> str:
        path = SITE_PATH.format(
            subscription=site.subscription, group=site.resource_group, name=site.name
        )
        return path + ("" if slot == PRODUCTION else f"/slots/{slot}") + suffix

    @_arm_call
    async def _get_site(self, request: Request, site: SiteState) -> Response:
        slot = request.path_params.get("slot", PRODUCTION)
        host = f"{site.name}.azurewebsites.net"
        if slot != PRODUCTION:
            host = f"{site.name}-{slot}.azurewebsites.net"
        return JSONResponse(
            {
                "id": self._resource_id(site, slot),
                "name": site.name if slot == PRODUCTION else f"{site.name}/{slot}",
                "type": "Microsoft.Web/sites" + ("" if slot == PRODUCTION else "/slots"),
                "kind": "functionapp,linux",
                "location": site.location,
                "properties": {
                    "state": "Running",
                    "enabled": True,
                    "defaultHostName": host,
                    "hostNames": [host],
                    "httpsOnly": True,
                    "resourceGroup": site.resource_group,
                },
            }
        )

    def _settings_resource(self, site: SiteState, slot: str) -> JSONResponse:
        return JSONResponse(
            {
                "id": self._resource_id(site, slot, "/config/appsettings"),
                "name": "appsettings",
                "type": "Microsoft.Web/sites/config",
                "properties": site.slots[slot].settings,
            }
        )

    @_arm_call
    async def _list_settings(self, request: Request, site: SiteState) -> Response:
        return self._settings_resource(site, request.path_params.get("slot", PRODUCTION))

    @_arm_call
    async def _put_settings(self, request: Request, site: SiteState) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            body = None
        properties = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(properties, dict):
            return _app_service_error(400, "BadRequest", "The request body must have 'properties'.")
        name = request.path_params.get("slot", PRODUCTION)
        with self._lock:
            if locked := self._locked(site):
                return locked
            slot = site.slots[name]
            slot.settings = {str(k): str(v) for k, v in properties.items()}
            slot.restarts += 1
            if self.faults.settings_lost:
                status = self.faults.settings_lost.pop(0)
                return _error(status, "GatewayTimeout", "The gateway did not receive a response.")
        return self._settings_resource(site, name)

    @_arm_call
    async def _slot_config_names(self, request: Request, site: SiteState) -> Response:
        return JSONResponse(
            {
                "id": self._resource_id(site, PRODUCTION, "/config/slotConfigNames"),
                "name": "slotConfigNames",
                "type": "Microsoft.Web/sites/config",
                "properties": {
                    "appSettingNames": site.sticky,
                    "connectionStringNames": [],
                    "azureStorageConfigNames": [],
                },
            }
        )

    async def _pair(self, request: Request, site: SiteState) -> tuple[str, str] | Response:
        """(source, target): the slot in the path and the body's `targetSlot`."""
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return _app_service_error(400, "BadRequest", "The request body is not JSON.")
        target = body.get("targetSlot") if isinstance(body, dict) else None
        if not isinstance(target, str) or not target:
            return _app_service_error(400, "BadRequest", "'targetSlot' is required.")
        source = request.path_params.get("slot", PRODUCTION)
        if target not in site.slots:
            return _error(404, "ResourceNotFound", f"Slot '{target}' was not found.")
        if target == source:
            return _app_service_error(400, "BadRequest", "Cannot swap a slot with itself.")
        return source, target

    def _running(self, site: SiteState) -> Operation | None:
        return next(
            (op for op in self._operations.values() if op.site is site and not self._finish(op)),
            None,
        )

    def _locked(self, site: SiteState, pair: tuple[str, str] | None = None) -> Response | None:
        """The 409 App Service gives a write while the site is locked, else None.

        A pending preview lets through only its own completion, its reset and a repeat of it
        (`pair` is the write's (source, target), None for a settings write)."""
        running = self._running(site)
        if running is not None:
            return _app_service_error(
                409,
                "Conflict",
                "Cannot modify this site because another operation is in progress. Details: "
                f"Id: {running.id}, OperationName: SwapSiteSlots, SiteName: {site.name}, "
                f"SlotName: {running.source}",
            )
        if site.preview is not None and pair != site.preview:
            return _app_service_error(409, "Conflict", PREPARED_FOR_SWAP)
        return None

    @_arm_call
    async def _swap(self, request: Request, site: SiteState) -> Response:
        pair = await self._pair(request, site)
        if isinstance(pair, Response):
            return pair
        if self.faults.swap_status is not None:
            return _app_service_error(
                self.faults.swap_status, "Conflict", "The swap was refused (fault)."
            )
        with self._lock:
            if locked := self._locked(site, pair):
                return locked
            previewed = site.preview == pair
            if not previewed:
                site.apply_target_settings(*pair)
            operation = Operation(
                secrets.token_hex(8),
                site,
                *pair,
                done_at=time.monotonic() + self.faults.swap_seconds,
                failure=self.faults.swap_failure,
                previewed=previewed,
            )
            self.faults.swap_failure = None
            self._operations[operation.id] = operation
        if (status := self.faults.accepted_then) is not None:
            self.faults.accepted_then = None
            return _error(status, "GatewayTimeout", "The gateway did not receive a response.")
        location = (
            f"{str(request.base_url).rstrip('/')}"
            f"{self._resource_id(site, pair[0], f'/operationresults/{operation.id}')}"
            f"?api-version={API_VERSION}"
        )
        return Response(status_code=202, headers={"Location": location, "Retry-After": "1"})

    def _finish(self, operation: Operation) -> bool:
        """Ends the swap once its time has come; True when it is over (done or failed)."""
        if not operation.finished and time.monotonic() >= operation.done_at:
            site = operation.site
            if operation.failure is None:
                site.complete(operation.source, operation.target)
            elif not operation.previewed:
                site.restore(operation.source)
            operation.finished = True
        return operation.finished

    @_arm_call
    async def _operation(self, request: Request, site: SiteState) -> Response:
        operation = self._operations.get(request.path_params["operation"])
        if operation is None or operation.site is not site:
            return _error(404, "NotFound", "The operation was not found.")
        with self._lock:
            done = self._finish(operation)
        if not done:
            return Response(
                status_code=202,
                headers={"Location": str(request.url), "Retry-After": "1"},
            )
        if operation.failure is not None:
            return _app_service_error(400, "BadRequest", operation.failure)
        return Response(status_code=200)

    @_arm_call
    async def _apply(self, request: Request, site: SiteState) -> Response:
        pair = await self._pair(request, site)
        if isinstance(pair, Response):
            return pair
        with self._lock:
            if locked := self._locked(site, pair):
                return locked
            if site.preview is None:
                site.apply_target_settings(*pair)
                site.preview = pair
        return Response(status_code=200)

    @_arm_call
    async def _reset(self, request: Request, site: SiteState) -> Response:
        slot = request.path_params.get("slot", PRODUCTION)
        with self._lock:
            if locked := self._locked(site, site.preview):
                return locked
            site.restore(slot)
            if site.preview is not None and site.preview[0] == slot:
                site.preview = None
        return Response(status_code=200)

    # --- the slots' own content, for the release's health check ---

    async def _content(self, request: Request) -> Response:
        p = request.path_params
        site = next((s for s in self.sites.values() if s.name == p["name"]), None)
        slot = site.slots.get(p["slot"]) if site else None
        if site is None or slot is None:
            return JSONResponse({"error": "no such site"}, status_code=404)
        body = {"app": site.name, "slot": p["slot"], "content": slot.content}
        return JSONResponse(body, status_code=200 if slot.healthy else 503)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 and localhost, valid for a day: (certificate, key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "durable-deploy ARM stand-in")])
    now = datetime.datetime.now(datetime.UTC)
    public = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "arm-stand-in.pem", folder / "arm-stand-in.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@dataclass
class RunningArm:
    stand_in: ArmStandIn
    url: str
    certificate: Path

    @property
    def env(self) -> dict[str, str]:
        return self.stand_in.client_env(self.url, self.certificate)


@contextmanager
def running_arm(folder: Path, stand_in: ArmStandIn | None = None) -> Iterator[RunningArm]:
    """Serves a stand-in over TLS on a free loopback port until the block ends."""
    stand_in = stand_in or ArmStandIn()
    cert, key = self_signed_certificate(folder)
    with serve_in_thread(stand_in.app, tls=(cert, key)) as url:
        yield RunningArm(stand_in, url, cert)


__all__ = [
    "API_VERSION",
    "ArmCall",
    "ArmStandIn",
    "Faults",
    "RunningArm",
    "SiteState",
    "SlotState",
]
