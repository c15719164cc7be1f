"""A loopback stand-in for the few Azure Resource Manager endpoints the release stages call.

No ARM emulator exists, so tests and `make run` drive the real `azure-mgmt-web` client
against this server. It follows the documented contract of Microsoft.Web (api-version
2025-05-01) for what we call, and nothing more:

- GET  .../sites/{name} and .../sites/{name}/slots/{slot}
- POST .../config/appsettings/list and PUT .../config/appsettings (whole-collection
  replace, which is why quiesce merges), GET .../config/slotConfigNames
- POST .../slotsswap: 202 Accepted with Location and Retry-After, then GET on the
  Location answers 202 while the swap runs and 200 when it is done
- POST .../applySlotConfig (swap with preview, phase one) and .../resetSlotConfig
- errors as ARM's {"error": {"code", "message"}} body

It behaves like App Service where that matters to us: settings named in slotConfigNames
stay with their slot, every other setting and the deployed content move; a second swap
on a site while one runs gets 409 Conflict; a settings change or a swap restarts the slot.

Tokens come from its App Service managed identity endpoint (IDENTITY_ENDPOINT and
IDENTITY_HEADER), so DefaultAzureCredential runs its own managed-identity code path and
no secret of ours is involved. It serves TLS with a certificate made for the run: azure-core
refuses to send a bearer token over plain HTTP, and so it should.

Fault switches for tests: `faults.status` answers every ARM call with that status (401,
403), `faults.burst` answers the next calls with the listed statuses (500 bursts), and
`faults.swap_seconds` makes swaps slow and `faults.swap_status` refuses them.
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

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from scripts.serve import serve_in_thread

API_VERSION = "2025-05-01"
PRODUCTION = "production"
SITE_PATH = (
    "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}"
)


@dataclass
class SlotState:
    settings: dict[str, str]
    content: str
    """What is deployed there (stands for the package); served on the slot's content path."""
    healthy: bool = True
    restarts: int = 0
    before_preview: dict[str, str] | None = None
    """Settings before applySlotConfig, so resetSlotConfig can put them back."""


@dataclass
class SiteState:
    subscription: str
    resource_group: str
    name: str
    slots: dict[str, SlotState]
    sticky: list[str] = field(default_factory=list)
    location: str = "West Europe"


@dataclass
class Faults:
    status: int | None = None
    burst: list[int] = field(default_factory=list)
    swap_seconds: float = 0.0
    swap_status: int | None = None


@dataclass
class Operation:
    site: SiteState
    source: str
    target: str
    done_at: float
    finished: bool = False


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


Handler = Callable[["ArmStandIn", Request, "SiteState"], Awaitable[Response]]


def _arm_call(handler: Handler) -> Callable[[ArmStandIn, Request], Awaitable[Response]]:
    """Authenticates, applies the fault switches and finds the site before `handler` runs."""

    async def endpoint(self: ArmStandIn, request: Request) -> Response:
        found = self._check(request)
        if isinstance(found, Response):
            return found
        return await handler(self, request, found)

    return endpoint


class ArmStandIn:
    """The server's state, its Starlette app, and the environment a client needs."""

    def __init__(self) -> None:
        self.sites: dict[tuple[str, str, str], SiteState] = {}
        self.faults = Faults()
        self.calls: list[tuple[str, str]] = []
        self.identity_header = secrets.token_hex(16)
        self.token = secrets.token_urlsafe(32)
        self._operations: dict[str, Operation] = {}
        self._lock = threading.Lock()
        site = SITE_PATH
        self.app = Starlette(
            routes=[
                Route("/msi/token", self._token),
                Route(site, self._get_site),
                Route(site + "/slots/{slot}", self._get_site),
                Route(site + "/config/appsettings/list", self._list_settings, methods=["POST"]),
                Route(
                    site + "/slots/{slot}/config/appsettings/list",
                    self._list_settings,
                    methods=["POST"],
                ),
                Route(site + "/config/appsettings", self._put_settings, methods=["PUT"]),
                Route(
                    site + "/slots/{slot}/config/appsettings", self._put_settings, methods=["PUT"]
                ),
                Route(site + "/config/slotConfigNames", self._slot_config_names),
                Route(site + "/slotsswap", self._swap, methods=["POST"]),
                Route(site + "/slots/{slot}/slotsswap", self._swap, methods=["POST"]),
                Route(site + "/operationresults/{operation}", self._operation),
                Route(site + "/applySlotConfig", self._apply, methods=["POST"]),
                Route(site + "/slots/{slot}/applySlotConfig", self._apply, methods=["POST"]),
                Route(site + "/resetSlotConfig", self._reset, methods=["POST"]),
                Route(site + "/slots/{slot}/resetSlotConfig", self._reset, methods=["POST"]),
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
        self.calls.append((request.method, request.url.path))
        if request.headers.get("authorization") != f"Bearer {self.token}":
            return _error(401, "AuthenticationFailed", "Authentication failed.")
        if self.faults.status is not None:
            status = self.faults.status
            code = {403: "AuthorizationFailed"}.get(status, "Fault")
            return _error(status, code, f"The client does not have authorization ({status}).")
        if self.faults.burst:
            status = self.faults.burst.pop(0)
            return _error(status, "InternalServerError", "Transient failure, try again.")
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
                "location": site.location,
                "properties": site.slots[slot].settings,
            }
        )

    @_arm_call
    async def _list_settings(self, request: Request, site: SiteState) -> Response:
        return self._settings_resource(site, request.path_params.get("slot", PRODUCTION))

    @_arm_call
    async def _put_settings(self, request: Request, site: SiteState) -> Response:
        body = await request.json()
        properties = body.get("properties")
        if not isinstance(properties, dict):
            return _error(400, "BadRequest", "The request body must have 'properties'.")
        slot = site.slots[request.path_params.get("slot", PRODUCTION)]
        slot.settings = {str(k): str(v) for k, v in properties.items()}
        slot.restarts += 1
        return self._settings_resource(site, request.path_params.get("slot", PRODUCTION))

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

    async def _target(self, request: Request, site: SiteState) -> tuple[str, str] | Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            return _error(400, "BadRequest", "The request body is not JSON.")
        target = body.get("targetSlot")
        if not isinstance(target, str) or not target:
            return _error(400, "BadRequest", "'targetSlot' is required.")
        source = request.path_params.get("slot", PRODUCTION)
        if target not in site.slots:
            return _error(404, "ResourceNotFound", f"Slot '{target}' was not found.")
        if target == source:
            return _error(400, "BadRequest", "Cannot swap a slot with itself.")
        return source, target

    def _busy(self, site: SiteState) -> bool:
        return any(op.site is site and not self._finish(op) for op in self._operations.values())

    @_arm_call
    async def _swap(self, request: Request, site: SiteState) -> Response:
        slots = await self._target(request, site)
        if isinstance(slots, Response):
            return slots
        if self.faults.swap_status is not None:
            return _error(self.faults.swap_status, "Conflict", "The swap was refused (fault).")
        with self._lock:
            if self._busy(site):
                return _error(
                    409,
                    "Conflict",
                    f"Cannot modify this site because another operation is in progress. "
                    f"Site: {site.name}, operation: swap.",
                )
            operation_id = secrets.token_hex(8)
            self._operations[operation_id] = Operation(
                site, *slots, done_at=time.monotonic() + self.faults.swap_seconds
            )
        location = (
            f"{str(request.base_url).rstrip('/')}"
            f"{self._resource_id(site, PRODUCTION, f'/operationresults/{operation_id}')}"
            f"?api-version={API_VERSION}"
        )
        return Response(status_code=202, headers={"Location": location, "Retry-After": "1"})

    def _finish(self, operation: Operation) -> bool:
        """Completes the swap once its time has come; True when it is done."""
        if not operation.finished and time.monotonic() >= operation.done_at:
            _swap_slots(operation.site, operation.source, operation.target)
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
        return Response(status_code=200)

    @_arm_call
    async def _apply(self, request: Request, site: SiteState) -> Response:
        slots = await self._target(request, site)
        if isinstance(slots, Response):
            return slots
        source, target = site.slots[slots[0]], site.slots[slots[1]]
        if source.before_preview is None:
            source.before_preview = dict(source.settings)
        for name in site.sticky:
            if name in target.settings:
                source.settings[name] = target.settings[name]
            else:
                source.settings.pop(name, None)
        source.restarts += 1
        return Response(status_code=200)

    @_arm_call
    async def _reset(self, request: Request, site: SiteState) -> Response:
        slot = site.slots[request.path_params.get("slot", PRODUCTION)]
        if slot.before_preview is not None:
            slot.settings, slot.before_preview = slot.before_preview, None
            slot.restarts += 1
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


def _swap_slots(site: SiteState, source: str, target: str) -> None:
    """Content and non-sticky settings change places; sticky settings stay with the slot
    (its own ones, when a preview had lent it the other slot's)."""
    a, b = site.slots[source], site.slots[target]
    sticky = set(site.sticky)

    def keep(slot: SlotState) -> dict[str, str]:
        own = slot.before_preview if slot.before_preview is not None else slot.settings
        return {k: v for k, v in own.items() if k in sticky}

    def move(slot: SlotState) -> dict[str, str]:
        return {k: v for k, v in slot.settings.items() if k not in sticky}

    a.settings, b.settings = {**move(b), **keep(a)}, {**move(a), **keep(b)}
    a.content, b.content = b.content, a.content
    a.healthy, b.healthy = b.healthy, a.healthy
    for slot in (a, b):
        slot.before_preview = None
        slot.restarts += 1


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


__all__ = ["API_VERSION", "ArmStandIn", "Faults", "RunningArm", "SiteState", "SlotState"]
