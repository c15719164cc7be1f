"""The app's slots through Azure Resource Manager: settings, swap, preview, reset.

One `AppSlots` per app wraps `azure-mgmt-web`, so the commands speak in slots and never in
request shapes. Every ARM failure becomes an `ArmError` with the fix a user should try;
the commands turn it into exit 2.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from azure.core.exceptions import (
    ClientAuthenticationError,
    HttpResponseError,
    ServiceRequestError,
    ServiceResponseError,
)
from azure.core.polling import LROPoller
from azure.identity import DefaultAzureCredential
from azure.mgmt.web import WebSiteManagementClient
from azure.mgmt.web.models import CsmSlotEntity, StringDictionary

from scripts.stages.app_service_errors import Refusal, classify, decode
from scripts.stages.polling import SYSTEM_CLOCK, Clock, attempts
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.clouds import require_well_formed
from taskhub.errors import ConfigurationError, DurableDeployError

ARM_ENDPOINT_ENV = "DURABLE_DEPLOY_ARM_ENDPOINT"
PUBLIC_ARM_ENDPOINT = "https://management.azure.com"
ROLE_HINT = (
    "Website Contributor on the app (Microsoft.Web/sites/slotsswap/action, "
    "applySlotConfig/action, resetSlotConfig/action, config/list/action, config/write)"
)


class ArmError(DurableDeployError):
    """ARM refused or failed a call; `status` is its HTTP status when it answered, `refusal`
    which App Service refusal it was, so a release can act on it (reset a preview, wait)."""

    def __init__(
        self,
        message: str,
        *,
        fix: str = "",
        status: int | None = None,
        refusal: Refusal = Refusal.OTHER,
    ) -> None:
        super().__init__(message, fix=fix)
        self.status = status
        self.refusal = refusal


class SwapMayHaveStarted(ArmError):
    """azure-core retried the swap POST after a 5xx and the retry got 409: App Service had
    most likely accepted the first attempt, and that swap is the operation in progress."""


@dataclass(frozen=True)
class AppRef:
    subscription: str
    resource_group: str
    app: str

    def slot_label(self, slot: str) -> str:
        return self.app if slot == PRODUCTION_SLOT else f"{self.app}/{slot}"


def arm_endpoint(value: str | None) -> str:
    """The ARM base URL (public cloud by default; sovereign clouds have their own)."""
    endpoint = (value or PUBLIC_ARM_ENDPOINT).rstrip("/")
    require_well_formed(endpoint, "ARM endpoint")
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.netloc:
        raise ConfigurationError(
            f"ARM endpoint {endpoint!r} is not an https:// URL (tokens are never sent in clear)",
            fix=f"pass e.g. --arm-endpoint {PUBLIC_ARM_ENDPOINT}, or unset {ARM_ENDPOINT_ENV}",
        )
    return endpoint


def web_client(subscription: str, endpoint: str, retries: int) -> WebSiteManagementClient:
    """The real client, signed in with DefaultAzureCredential (CLI, workload or managed id)."""
    return WebSiteManagementClient(
        DefaultAzureCredential(),
        subscription,
        base_url=endpoint,
        credential_scopes=[f"{endpoint}/.default"],
        retry_total=retries,
        retry_backoff_factor=0.5,
        retry_backoff_max=30,
    )


@contextmanager
def arm_errors(what: str, ref: AppRef, slot: str | None = None) -> Iterator[None]:
    """Turns ARM and credential failures while doing `what` into an actionable ArmError."""
    where = ref.slot_label(slot) if slot else ref.app
    scope = f"in resource group {ref.resource_group!r}, subscription {ref.subscription}"
    try:
        yield
    except ClientAuthenticationError as exc:
        status = getattr(exc, "status_code", None)
        raise ArmError(
            f"{what}: Azure sign-in failed ({str(exc).splitlines()[0][:300]})",
            fix="sign in the pipeline (azure/login with OIDC, AzureCLI@2 task, or a managed "
            "identity) so DefaultAzureCredential finds a credential",
            status=status or 401,
        ) from None
    except HttpResponseError as exc:
        raise _refused(what, ref, where, scope, exc) from None
    except (ServiceRequestError, ServiceResponseError) as exc:
        raise ArmError(
            f"{what}: cannot reach Azure Resource Manager ({str(exc).splitlines()[0][:300]})",
            fix=f"check the network and the ARM endpoint ({ARM_ENDPOINT_ENV})",
        ) from None


def _refused(what: str, ref: AppRef, where: str, scope: str, exc: HttpResponseError) -> ArmError:
    """The ArmError for an answer ARM or App Service gave, with the fix that matches its cause."""
    status, cause = exc.status_code, decode(exc)
    refusal = classify(cause.message)
    if status == 403:
        message, fix = (
            f"{what}: not authorised on {where!r} {scope} ({cause})",
            f"grant the pipeline's identity {ROLE_HINT}",
        )
    elif status == 404:
        message, fix = (
            f"{what}: app or slot {where!r} not found {scope} ({cause})",
            "check --subscription, --resource-group, --app and the slot names "
            "(`az functionapp deployment slot list`)",
        )
    elif refusal is Refusal.PREVIEW_PENDING:
        message, fix = (
            f"{what}: a swap with preview is pending on {ref.app!r}, and App Service locks "
            f"the slots' settings until it is completed or reset ({cause})",
            "cancel it with `durable-deploy swap --slot <the previewed slot> --action reset` "
            "(or finish it with `--action complete`), then run this again",
        )
    elif status == 409:
        message, fix = (
            f"{what}: another swap or slot operation is running on {ref.app!r} ({cause})",
            "wait for it to finish (Activity log of the app), then run this stage again",
        )
    elif refusal is Refusal.WARM_UP:
        message, fix = (
            f"{what}: App Service could not start or warm up the source slot ({cause})",
            "nothing was swapped (App Service reverts the source slot): make the source slot "
            "start and answer its warm-up request (its logs, WEBSITE_SWAP_WARMUP_PING_PATH and "
            "WEBSITE_SWAP_WARMUP_PING_STATUSES, applicationInitialization), then run again",
        )
    elif refusal is Refusal.RETRY:
        message, fix = (
            f"{what}: App Service stopped the operation and asks to retry it ({cause})",
            "nothing was swapped: run the same command again",
        )
    elif status is not None and status < 500:
        message, fix = (
            f"{what}: App Service refused it for {where!r} ({status}: {cause})",
            "fix the cause App Service names, then run again",
        )
    else:
        message, fix = (
            f"{what}: ARM answered {status} for {where!r} ({cause})",
            "transient failures were already retried; check Azure status and run again",
        )
    return ArmError(message, fix=fix, status=status, refusal=refusal)


def _entity(slot: str) -> CsmSlotEntity:
    # preserveVnet=True keeps each slot's VNet integration where it is, as the portal does.
    return CsmSlotEntity(target_slot=slot, preserve_vnet=True)


Progress = Callable[[float], None]


class AppSlots:
    """One app's slots; `production` names the main site."""

    def __init__(
        self, client: WebSiteManagementClient, ref: AppRef, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        """`clock`: what a swap's wait reads the time from (polling.py)."""
        self.client = client
        self.ref = ref
        self.apps = client.web_apps
        self.clock = clock

    def host_name(self, slot: str) -> str:
        with arm_errors("read the slot", self.ref, slot):
            if slot == PRODUCTION_SLOT:
                site: Any = self.apps.get(self.ref.resource_group, self.ref.app)
            else:
                site = self.apps.get_slot(self.ref.resource_group, self.ref.app, slot)
        return str(site.default_host_name)

    def settings(self, slot: str) -> dict[str, str]:
        with arm_errors("read the app settings", self.ref, slot):
            if slot == PRODUCTION_SLOT:
                result = self.apps.list_application_settings(self.ref.resource_group, self.ref.app)
            else:
                result = self.apps.list_application_settings_slot(
                    self.ref.resource_group, self.ref.app, slot
                )
        return dict(result.properties or {})

    def replace_settings(self, slot: str, settings: dict[str, str]) -> None:
        """Writes the whole collection (ARM's PUT replaces it): pass every setting."""
        body = StringDictionary(properties=settings)
        with arm_errors("write the app settings", self.ref, slot):
            if slot == PRODUCTION_SLOT:
                self.apps.update_application_settings(self.ref.resource_group, self.ref.app, body)
            else:
                self.apps.update_application_settings_slot(
                    self.ref.resource_group, self.ref.app, slot, body
                )

    def sticky_settings(self) -> list[str]:
        with arm_errors("read the slot settings", self.ref):
            names = self.apps.list_slot_configuration_names(self.ref.resource_group, self.ref.app)
        return list(names.app_setting_names or [])

    def swap(self, source: str, target: str, progress: Progress, interval: float = 2.0) -> float:
        """Swaps `source` into `target` and waits for the long-running operation (seconds).

        The source is the slot in the path, the target is `targetSlot` (WebApps.json,
        `WebApps_SwapSlot`, api-version 2025-05-01: "Name of the source slot"; CsmSlotEntity
        `targetSlot`: "Destination deployment slot"). App Service applies the target's slot
        settings to the source and restarts and warms up the source only, so the target
        keeps serving until its routing switches (deploy-staging-slots.md, "What happens
        during a swap").
        """
        clock = self.clock
        started = clock.monotonic()
        answers: list[int] = []
        hooks: dict[str, Any] = {
            "polling_interval": 1,
            "raw_response_hook": lambda r: answers.append(r.http_response.status_code),
        }
        try:
            with arm_errors(f"swap {source} into {target}", self.ref, source):
                poller: LROPoller[None]
                group, app = self.ref.resource_group, self.ref.app
                if source == PRODUCTION_SLOT:
                    poller = self.apps.begin_swap_slot_with_production(
                        group, app, _entity(target), **hooks
                    )
                else:
                    poller = self.apps.begin_swap_slot(group, app, source, _entity(target), **hooks)
                # The poller's own wait is the sleep: it returns as soon as the swap ends.
                tries = attempts(interval=interval, clock=Clock(clock.monotonic, poller.wait))
                for attempt in tries:
                    if poller.done():
                        break
                    if attempt.number > 1:
                        progress(clock.monotonic() - started)
                poller.result()
        except ArmError as exc:
            earlier = answers[:-1]
            if exc.status == 409 and any(code >= 500 for code in earlier):
                raise SwapMayHaveStarted(
                    f"swap {source} into {target}: the first request was answered "
                    f"{earlier[0]} and retried, and the retry got 409: App Service most likely "
                    f"accepted the first and is swapping now ({exc.message})",
                    fix="wait for the swap to finish (Activity log of the app), then check "
                    "which code each slot runs before swapping again",
                    status=409,
                    refusal=exc.refusal,
                ) from None
            raise
        return clock.monotonic() - started

    def preview(self, source: str, target: str) -> None:
        """Phase one of a swap with preview: the target's slot settings land on the source,
        which restarts (WebApps.json `WebApps_ApplySlotConfigurationSlot`: "Applies the
        configuration settings from the target slot onto the current slot")."""
        with arm_errors(f"apply {target}'s slot settings to {source}", self.ref, source):
            if source == PRODUCTION_SLOT:
                self.apps.apply_slot_config_to_production(
                    self.ref.resource_group, self.ref.app, _entity(target)
                )
            else:
                self.apps.apply_slot_configuration_slot(
                    self.ref.resource_group, self.ref.app, source, _entity(target)
                )

    def reset(self, source: str) -> None:
        """Cancels a preview: the source gets its own settings back, a no-op when none ran
        (WebApps.json `WebApps_ResetSlotConfigurationSlot`: "Resets the configuration settings
        of the current slot if they were previously modified")."""
        with arm_errors("reset the slot settings", self.ref, source):
            if source == PRODUCTION_SLOT:
                self.apps.reset_production_slot_config(self.ref.resource_group, self.ref.app)
            else:
                self.apps.reset_slot_configuration_slot(
                    self.ref.resource_group, self.ref.app, source
                )


@dataclass(frozen=True)
class AppSite:
    """An app in Azure and how to reach ARM for it: what a slot stage is handed."""

    ref: AppRef
    endpoint: str | None = None
    """The ARM base URL (`--arm-endpoint`, or DURABLE_DEPLOY_ARM_ENDPOINT); public by default."""
    retries: int = 5

    def open(self) -> AppSlots:
        return open_slots(self.ref, self.endpoint, self.retries)


def open_slots(ref: AppRef, endpoint: str | None, retries: int) -> AppSlots:
    return AppSlots(web_client(ref.subscription, arm_endpoint(endpoint), retries), ref)
