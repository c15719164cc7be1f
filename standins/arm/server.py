"""The stand-in's ARM routes and state; the contract it follows is in this package's docstring."""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from standins.arm.errors import app_service_error, arm_error
from standins.arm.faults import ArmCall, Faults
from standins.arm.slots import SiteState, SlotState
from taskhub.app_service_plans import PRODUCTION_SLOT

API_VERSION = "2025-05-01"
SITE_PATH = (
    "/subscriptions/{subscription}/resourceGroups/{group}/providers/Microsoft.Web/sites/{name}"
)
PREPARED_FOR_SWAP = (
    "The slot cannot be changed because its configuration settings have been prepared for swap."
)


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
        # What a swap's `faults.swap_seconds` are counted on: a test whose waits run on
        # driven time (tests/support/fake_clock.py) gives the stand-in the same time.
        self.monotonic: Callable[[], float] = time.monotonic
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
            return arm_error(401, "AuthenticationFailed", "Authentication failed.")
        if self.faults.status is not None:
            status = self.faults.status
            code = {403: "AuthorizationFailed"}.get(status, "Fault")
            return arm_error(status, code, f"The client does not have authorization ({status}).")
        if self.faults.burst:
            status = self.faults.burst.pop(0)
            return arm_error(status, "InternalServerError", "Transient failure, try again.")
        if (refused := self.faults.refuse.get(request.url.path.rsplit("/", 1)[-1])) is not None:
            return app_service_error(refused, "BadRequest", "The operation was refused (fault).")
        if request.query_params.get("api-version") is None:
            return arm_error(400, "MissingApiVersionParameter", "api-version is required.")
        p = request.path_params
        site = self.sites.get((p["subscription"].lower(), p["group"].lower(), p["name"].lower()))
        if site is None:
            return arm_error(
                404,
                "ResourceNotFound",
                f"The Resource 'Microsoft.Web/sites/{p['name']}' under resource group "
                f"'{p['group']}' was not found.",
            )
        slot = p.get("slot", PRODUCTION_SLOT)
        if slot not in site.slots:
            return arm_error(
                404, "ResourceNotFound", f"Slot '{slot}' of site '{site.name}' was not found."
            )
        return site

    def _resource_id(self, site: SiteState, slot: str, suffix: str = "") -> str:
        path = SITE_PATH.format(
            subscription=site.subscription, group=site.resource_group, name=site.name
        )
        return path + ("" if slot == PRODUCTION_SLOT else f"/slots/{slot}") + suffix

    @_arm_call
    async def _get_site(self, request: Request, site: SiteState) -> Response:
        slot = request.path_params.get("slot", PRODUCTION_SLOT)
        host = f"{site.name}.azurewebsites.net"
        if slot != PRODUCTION_SLOT:
            host = f"{site.name}-{slot}.azurewebsites.net"
        return JSONResponse(
            {
                "id": self._resource_id(site, slot),
                "name": site.name if slot == PRODUCTION_SLOT else f"{site.name}/{slot}",
                "type": "Microsoft.Web/sites" + ("" if slot == PRODUCTION_SLOT else "/slots"),
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
        return self._settings_resource(site, request.path_params.get("slot", PRODUCTION_SLOT))

    @_arm_call
    async def _put_settings(self, request: Request, site: SiteState) -> Response:
        try:
            body = json.loads(await request.body() or b"{}")
        except json.JSONDecodeError:
            body = None
        properties = body.get("properties") if isinstance(body, dict) else None
        if not isinstance(properties, dict):
            return app_service_error(400, "BadRequest", "The request body must have 'properties'.")
        name = request.path_params.get("slot", PRODUCTION_SLOT)
        with self._lock:
            if locked := self._locked(site):
                return locked
            slot = site.slots[name]
            slot.settings = {str(k): str(v) for k, v in properties.items()}
            slot.restarts += 1
            if self.faults.settings_lost:
                status = self.faults.settings_lost.pop(0)
                return arm_error(
                    status, "GatewayTimeout", "The gateway did not receive a response."
                )
        return self._settings_resource(site, name)

    @_arm_call
    async def _slot_config_names(self, request: Request, site: SiteState) -> Response:
        return JSONResponse(
            {
                "id": self._resource_id(site, PRODUCTION_SLOT, "/config/slotConfigNames"),
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
            return app_service_error(400, "BadRequest", "The request body is not JSON.")
        target = body.get("targetSlot") if isinstance(body, dict) else None
        if not isinstance(target, str) or not target:
            return app_service_error(400, "BadRequest", "'targetSlot' is required.")
        source = request.path_params.get("slot", PRODUCTION_SLOT)
        if target not in site.slots:
            return arm_error(404, "ResourceNotFound", f"Slot '{target}' was not found.")
        if target == source:
            return app_service_error(400, "BadRequest", "Cannot swap a slot with itself.")
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
            return app_service_error(
                409,
                "Conflict",
                "Cannot modify this site because another operation is in progress. Details: "
                f"Id: {running.id}, OperationName: SwapSiteSlots, SiteName: {site.name}, "
                f"SlotName: {running.source}",
            )
        if site.preview is not None and pair != site.preview:
            return app_service_error(409, "Conflict", PREPARED_FOR_SWAP)
        return None

    @_arm_call
    async def _swap(self, request: Request, site: SiteState) -> Response:
        pair = await self._pair(request, site)
        if isinstance(pair, Response):
            return pair
        if self.faults.swap_status is not None:
            return app_service_error(
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
                done_at=self.monotonic() + self.faults.swap_seconds,
                failure=self.faults.swap_failure,
                previewed=previewed,
            )
            self.faults.swap_failure = None
            self._operations[operation.id] = operation
        if (status := self.faults.accepted_then) is not None:
            self.faults.accepted_then = None
            return arm_error(status, "GatewayTimeout", "The gateway did not receive a response.")
        location = (
            f"{str(request.base_url).rstrip('/')}"
            f"{self._resource_id(site, pair[0], f'/operationresults/{operation.id}')}"
            f"?api-version={API_VERSION}"
        )
        return Response(status_code=202, headers={"Location": location, "Retry-After": "1"})

    def _finish(self, operation: Operation) -> bool:
        """Ends the swap once its time has come; True when it is over (done or failed)."""
        if not operation.finished and self.monotonic() >= operation.done_at:
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
            return arm_error(404, "NotFound", "The operation was not found.")
        with self._lock:
            done = self._finish(operation)
        if not done:
            return Response(
                status_code=202,
                headers={"Location": str(request.url), "Retry-After": "1"},
            )
        if operation.failure is not None:
            return app_service_error(400, "BadRequest", operation.failure)
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
        slot = request.path_params.get("slot", PRODUCTION_SLOT)
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
