"""A durable function app with its plan, runtime storage, slots and per-slot durable state.

The wiring follows the "status check with slot" strategy: `AzureWebJobsStorage` points
every slot at one runtime account, while the durable connection setting points each slot
at its own durable state (a storage account or hub per slot, or a task hub per slot on the
app's Durable Task Scheduler) and is never sticky, so durable state travels with the code
when slots swap. App settings are set through `site_config.app_settings` only (one
mechanism per app and slot; a second one would overwrite the whole set).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, TypedDict

import pulumi
from pulumi_azure_native import authorization, web

from components.config import AppConfig, Connection, SlotConfig
from components.flex import PLAN_SKU as FLEX_SKU
from components.flex import function_app_config
from components.scheduler import DurableTaskScheduler, DurableTaskSchedulerArgs
from components.storage import DurableStorage, DurableStorageArgs
from taskhub.app_service_plans import PRODUCTION_SLOT, PlanFamily, plan_family
from taskhub.classic import classic_settings
from taskhub.hostjson import RUNTIME_STORAGE_SETTING, DurableSettings
from taskhub.scheduler_settings import Backend, SchedulerRole, SchedulerSettings

TYPE = "durable-zero-downtime:app:DurableFunctionApp"

# Built-in role definition ids: what an identity needs to run Durable Functions on storage.
DATA_ROLES = {
    "blob": "b7e6dc6d-f1e8-4753-8033-0f276bb0955b",  # Storage Blob Data Owner
    "queue": "974c5e8b-45b9-4653-ba55-5f855dd0fb88",  # Storage Queue Data Contributor
    "table": "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3",  # Storage Table Data Contributor
}
LINUX_FX = {
    "python": "Python",
    "dotnet-isolated": "DOTNET-ISOLATED",
    "node": "Node",
    "java": "Java",
    "powershell": "PowerShell",
}
_PLAN_SHAPE = {
    PlanFamily.CONSUMPTION: ("functionapp", "Dynamic"),
    PlanFamily.ELASTIC_PREMIUM: ("elastic", "ElasticPremium"),
    PlanFamily.DEDICATED: ("linux", None),
    # Microsoft's Flex sample (see components/flex.py): kind functionapp, tier FlexConsumption.
    PlanFamily.FLEX_CONSUMPTION: ("functionapp", "FlexConsumption"),
}
_CONTENT_SHARE_PLANS = (PlanFamily.CONSUMPTION, PlanFamily.ELASTIC_PREMIUM)
_TLS = web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2


@dataclass
class TrackingStore:
    """A tracking store shared by a routing group: Instances and History live there."""

    storage: DurableStorage
    prefix: str
    setting: str = "DurableTrackingStorage"


@dataclass
class DurableFunctionAppArgs:
    config: AppConfig
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str] | None = None
    tracking: TrackingStore | None = None


class StorageSlotOutputs(TypedDict):
    """What a pipeline needs to reach one slot's task hub on Azure Storage."""

    backend: Literal["azureStorage"]
    taskHub: str
    durableStorageAccount: pulumi.Output[str]
    tableEndpoint: pulumi.Output[str]
    connectionSetting: str
    trackingPrefix: str | None
    hostName: pulumi.Output[str]


class SchedulerSlotOutputs(TypedDict):
    """What a pipeline needs to reach one slot's task hub on the Durable Task Scheduler.

    `connectionSetting` names the app setting that holds the connection string
    (`Endpoint=...;Authentication=ManagedIdentity`); a pipeline builds its own from
    `schedulerEndpoint` with its own credential.
    """

    backend: Literal["durableTaskScheduler"]
    taskHub: str
    schedulerName: str
    schedulerEndpoint: pulumi.Output[str | None]
    taskHubDashboardUrl: pulumi.Output[str | None]
    connectionSetting: str
    hostName: pulumi.Output[str]


SlotOutputs = StorageSlotOutputs | SchedulerSlotOutputs
"""The stack output `apps.<app>.slots.<slot>`; `backend` tells the two shapes apart."""


@dataclass(frozen=True)
class _Scope:
    """What every child resource of one app is declared with."""

    name: str
    cfg: AppConfig
    rg: pulumi.Input[str]
    location: pulumi.Input[str] | None
    opts: pulumi.ResourceOptions


@dataclass(frozen=True)
class _Stores:
    """The accounts (and scheduler) one app's settings point at."""

    runtime: DurableStorage
    durable: dict[str, DurableStorage]
    """By account name: a slot's own durable state (`SlotConfig.storage_account`)."""
    tracking: TrackingStore | None
    scheduler: DurableTaskScheduler | None = None

    def all(self) -> list[DurableStorage]:
        shared = [self.tracking.storage] if self.tracking else []
        return [self.runtime, *self.durable.values(), *shared]

    def instances(self, slot: SlotConfig) -> DurableStorage:
        """Where the slot's Instances table lives: the tracking store when there is one."""
        return self.tracking.storage if self.tracking else self.durable_account(slot)

    def durable_account(self, slot: SlotConfig) -> DurableStorage:
        if slot.storage_account is None:
            raise ValueError(f"slot {slot.name} keeps its durable state on a scheduler")
        return self.durable[slot.storage_account]


class DurableFunctionApp(pulumi.ComponentResource):
    slot_outputs: dict[str, SlotOutputs]
    host_json: dict[str, Any]

    def __init__(
        self, name: str, args: DurableFunctionAppArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        cfg, rg = args.config, args.resource_group_name
        child = pulumi.ResourceOptions(parent=self)
        scope = _Scope(name, cfg, rg, args.location, child)
        plan = app_service_plan(
            f"{name}-plan",
            f"{cfg.app_name}-plan",
            FLEX_SKU if cfg.flex else cfg.plan_sku,
            rg,
            args.location,
            cfg.tags,
            child,
        )
        stores = _stores(scope, args.tracking)
        sites = _sites(scope, plan, stores)
        if not cfg.flex:  # Flex has no slots, so no sticky settings either.
            # Declared even when empty: it owns the app's whole sticky list, so no durable
            # setting can be made sticky outside this program without showing up as drift.
            web.WebAppSlotConfigurationNames(
                f"{name}-sticky-settings",
                name=sites[PRODUCTION_SLOT].name,
                resource_group_name=rg,
                app_setting_names=list(cfg.sticky_settings),
                opts=child,
            )
        if cfg.connection is Connection.IDENTITY:
            # Identities stay with their slot on a swap while the durable setting moves with
            # the code: after a swap, production's identity reads what staging's wrote.
            for slot_name, site in sites.items():
                grant_data_roles(f"{name}-{slot_name}", site, stores.all(), child)
        elif cfg.flex:
            # The deployment container is read with the identity even when keys are used.
            grant_data_roles(
                f"{name}-{PRODUCTION_SLOT}",
                sites[PRODUCTION_SLOT],
                [stores.runtime],
                child,
                roles=("blob",),
            )
        if stores.scheduler is not None:
            # The scheduler takes Entra tokens only, whatever `connection` says. Every slot's
            # identity needs every hub: hubs move with the code on a swap, identities stay.
            for slot_name, site in sites.items():
                grant_hub_roles(f"{name}-{slot_name}", site, stores.scheduler, rg, child)

        self.slot_outputs = {
            slot.name: _slot_outputs(slot, cfg, stores, sites[slot.name]) for slot in cfg.slots
        }
        settings = durable_settings(cfg, cfg.slots[0], stores.tracking)
        self.host_json = (
            settings.host_json_v1() if cfg.host_json_schema == "1" else settings.host_json()
        )
        self.register_outputs({"slots": self.slot_outputs, "hostJson": self.host_json})


def app_service_plan(
    label: str,
    plan_name: str,
    sku: str,
    rg: pulumi.Input[str],
    location: pulumi.Input[str] | None,
    tags: dict[str, str],
    opts: pulumi.ResourceOptions,
) -> web.AppServicePlan:
    """An app's own plan. Flex Consumption allows one app per plan, so every Flex app has one."""
    kind, tier = _PLAN_SHAPE[plan_family(sku)]
    return web.AppServicePlan(
        label,
        name=plan_name,
        resource_group_name=rg,
        location=location,
        kind=kind,
        reserved=True,
        sku=web.SkuDescriptionArgs(name=sku, tier=tier),
        tags=tags,
        opts=opts,
    )


def _stores(scope: _Scope, tracking: TrackingStore | None) -> _Stores:
    """The runtime account and one durable account per distinct `storage_account`.

    Shared keys stay on where something needs a key: the content share of Consumption
    and Elastic Premium plans, or connection-string mode.
    """
    name, cfg, rg, location = scope.name, scope.cfg, scope.rg, scope.location
    keys = cfg.connection is not Connection.IDENTITY
    runtime = DurableStorage(
        f"{name}-runtime",
        DurableStorageArgs(
            rg,
            cfg.runtime_storage_account,
            location,
            allow_shared_key_access=_has_content_share(cfg) or keys,
            tags=cfg.tags,
        ),
        scope.opts,
    )
    durable = {
        account: DurableStorage(
            f"{name}-{account}",
            DurableStorageArgs(rg, account, location, allow_shared_key_access=keys, tags=cfg.tags),
            scope.opts,
        )
        for account in dict.fromkeys(s.storage_account for s in cfg.slots)
        if account is not None
    }
    scheduler = (
        DurableTaskScheduler(
            f"{name}-scheduler",
            DurableTaskSchedulerArgs(
                rg,
                cfg.app_name,
                cfg.scheduler,
                tuple(s.hub_name for s in cfg.slots),
                location,
                cfg.tags,
            ),
            scope.opts,
        )
        if cfg.scheduler
        else None
    )
    return _Stores(runtime, durable, tracking, scheduler)


def _has_content_share(cfg: AppConfig) -> bool:
    return cfg.plan_family in _CONTENT_SHARE_PLANS


def _sites(
    scope: _Scope, plan: web.AppServicePlan, stores: _Stores
) -> dict[str, web.WebApp | web.WebAppSlot]:
    """The app (its production slot) and one WebAppSlot per other slot, by slot name."""
    name, cfg, rg, opts = scope.name, scope.cfg, scope.rg, scope.opts
    production, *staging = cfg.slots
    flex_config = (
        function_app_config(
            name, cfg.flex, (cfg.runtime, cfg.runtime_version), stores.runtime, rg, opts
        )
        if cfg.flex
        else None
    )
    common = site_args(plan, rg, scope.location, cfg.tags, flex_config)
    app = web.WebApp(
        f"{name}-app",
        name=cfg.app_name,
        site_config=site_config(cfg, production, stores, rg),
        opts=opts,
        **common,
    )
    sites: dict[str, web.WebApp | web.WebAppSlot] = {PRODUCTION_SLOT: app}
    for slot in staging:
        sites[slot.name] = web.WebAppSlot(
            f"{name}-slot-{slot.name}",
            name=app.name,
            slot=slot.name,
            site_config=site_config(cfg, slot, stores, rg),
            opts=opts,
            **common,
        )
    return sites


def connection_settings(
    setting: str, store: DurableStorage, cfg: AppConfig, rg: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """The app settings of connection `setting` to `store`: identity-based or a key."""
    if cfg.connection is Connection.IDENTITY:
        return {f"{setting}__accountName": store.account.name}
    return {setting: store.connection_string(rg)}


def durable_settings(
    cfg: AppConfig, slot: SlotConfig, tracking: TrackingStore | None
) -> DurableSettings:
    """The host.json durableTask values of one slot (its own hub name)."""
    kind = SchedulerSettings if cfg.backend is Backend.DURABLE_TASK_SCHEDULER else DurableSettings
    return kind(
        hub_name=slot.hub_name,
        connection_name=cfg.durable_setting,
        tracking_connection_name=tracking.setting if tracking else None,
        tracking_prefix=tracking.prefix if tracking else None,
        default_version=cfg.versioning.default_version,
        version_match_strategy=cfg.versioning.match_strategy,
        version_failure_strategy=cfg.versioning.failure_strategy,
    )


def durable_connection(
    cfg: AppConfig, slot: SlotConfig, stores: _Stores, rg: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """The setting host.json's connection names: the slot's account, or the scheduler."""
    if stores.scheduler is not None:
        return {cfg.durable_setting: stores.scheduler.connection_string()}  # type: ignore[dict-item]
    return connection_settings(cfg.durable_setting, stores.durable_account(slot), cfg, rg)


def app_settings(
    cfg: AppConfig, slot: SlotConfig, stores: _Stores, rg: pulumi.Input[str]
) -> dict[str, pulumi.Input[str]]:
    """Every app setting of one slot: runtime, storage connections, durable and classic."""
    tracking = stores.tracking
    return {
        **connection_settings(RUNTIME_STORAGE_SETTING, stores.runtime, cfg, rg),
        **durable_connection(cfg, slot, stores, rg),
        **durable_settings(cfg, slot, tracking).app_settings(),
        **classic_settings(dict(cfg.versioning.classic)),
        **(connection_settings(tracking.setting, tracking.storage, cfg, rg) if tracking else {}),
        **platform_settings(
            cfg.runtime, cfg.plan_family, stores.runtime, f"{cfg.app_name}-{slot.name}", rg
        ),
    }


def platform_settings(
    runtime: str,
    family: PlanFamily,
    runtime_store: DurableStorage,
    content_share: str,
    rg: pulumi.Input[str],
) -> dict[str, pulumi.Input[str]]:
    """The Functions host's own settings: runtime, extension version and content share.

    Flex takes the runtime from functionAppConfig and rejects or ignores all of these; only
    Consumption and Elastic Premium plans keep the code on an Azure Files content share.
    """
    if family is PlanFamily.FLEX_CONSUMPTION:
        return {}
    values: dict[str, pulumi.Input[str]] = {
        "FUNCTIONS_EXTENSION_VERSION": "~4",
        "FUNCTIONS_WORKER_RUNTIME": runtime,
    }
    if family in _CONTENT_SHARE_PLANS:
        values["WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"] = runtime_store.connection_string(rg)
        values["WEBSITE_CONTENTSHARE"] = content_share[:63]
    return values


def site_config(
    cfg: AppConfig, slot: SlotConfig, stores: _Stores, rg: pulumi.Input[str]
) -> web.SiteConfigArgs:
    """One slot's siteConfig; its app settings are the only place they are set."""
    return site_config_args(
        app_settings(cfg, slot, stores, rg),
        None if cfg.flex else f"{LINUX_FX[cfg.runtime]}|{cfg.runtime_version}",
    )


def site_config_args(
    values: Mapping[str, pulumi.Input[str]], linux_fx: str | None, *, http2: bool = True
) -> web.SiteConfigArgs:
    """A siteConfig whose app settings are the only place they are set; `linux_fx` None: Flex.

    Flex has no FTP (so no ftpsState) and takes its runtime from functionAppConfig (so no
    linuxFxVersion): see components/flex.py.
    """
    settings = [web.NameValuePairArgs(name=k, value=v) for k, v in sorted(values.items())]
    if linux_fx is None:
        return web.SiteConfigArgs(app_settings=settings, min_tls_version=_TLS)
    return web.SiteConfigArgs(
        app_settings=settings,
        ftps_state=web.FtpsState.DISABLED,
        min_tls_version=_TLS,
        http20_enabled=True if http2 else None,
        linux_fx_version=linux_fx,
    )


def site_args(
    plan: web.AppServicePlan,
    rg: pulumi.Input[str],
    location: pulumi.Input[str] | None,
    tags: dict[str, str],
    flex_config: web.FunctionAppConfigArgs | None,
) -> dict[str, Any]:
    """What every function site of ours is declared with: Linux, HTTPS only, a system identity."""
    common: dict[str, Any] = {
        "resource_group_name": rg,
        "location": location,
        "kind": "functionapp,linux",
        "server_farm_id": plan.id,
        "https_only": True,
        "identity": web.ManagedServiceIdentityArgs(
            type=web.ManagedServiceIdentityType.SYSTEM_ASSIGNED
        ),
        "tags": tags,
    }
    if flex_config is not None:
        common["function_app_config"] = flex_config
    return common


def _slot_outputs(
    slot: SlotConfig, cfg: AppConfig, stores: _Stores, site: web.WebApp | web.WebAppSlot
) -> SlotOutputs:
    if stores.scheduler is not None:
        return SchedulerSlotOutputs(
            backend="durableTaskScheduler",
            taskHub=slot.hub_name,
            schedulerName=stores.scheduler.scheduler_name,
            schedulerEndpoint=stores.scheduler.endpoint,
            taskHubDashboardUrl=stores.scheduler.dashboard_url(slot.hub_name),
            connectionSetting=cfg.durable_setting,
            hostName=site.default_host_name,
        )
    tracking = stores.tracking
    return StorageSlotOutputs(
        backend="azureStorage",
        taskHub=slot.hub_name,
        durableStorageAccount=stores.durable_account(slot).account.name,
        tableEndpoint=stores.instances(slot).table_endpoint,
        connectionSetting=tracking.setting if tracking else cfg.durable_setting,
        trackingPrefix=tracking.prefix if tracking else None,
        hostName=site.default_host_name,
    )


def grant_data_roles(
    label: str,
    site: web.WebApp | web.WebAppSlot,
    stores: list[DurableStorage],
    opts: pulumi.ResourceOptions,
    roles: tuple[str, ...] = tuple(DATA_ROLES),
) -> None:
    """Data roles for a site's system identity on storage accounts (`DATA_ROLES` names)."""
    subscription = authorization.get_client_config_output().subscription_id
    principal = site.identity.apply(lambda i: i.principal_id if i else "")
    for store in stores:
        for role in roles:
            authorization.RoleAssignment(
                f"{label}-{store.account_name}-{role}",
                principal_id=principal,
                principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
                role_definition_id=subscription.apply(role_path(DATA_ROLES[role])),
                scope=store.account.id,
                opts=opts,
            )


def role_path(role_id: str) -> Callable[[str], str]:
    def path(subscription: str) -> str:
        return (
            f"/subscriptions/{subscription}/providers/Microsoft.Authorization/"
            f"roleDefinitions/{role_id}"
        )

    return path


def grant_hub_roles(
    label: str,
    site: web.WebApp | web.WebAppSlot,
    scheduler: DurableTaskScheduler,
    rg: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> None:
    """Durable Task Data Contributor for a site's system identity on each of the hubs.

    The scope is the hub's ARM id, written out (not the hub's `id` output) so a policy can
    tell which hub a role covers before anything exists; the assignment waits for the hub.
    """
    subscription = authorization.get_client_config_output().subscription_id
    principal = site.identity.apply(lambda i: i.principal_id if i else "")
    for hub, resource in scheduler.hubs.items():
        authorization.RoleAssignment(
            f"{label}-{hub.lower()}-dts",
            principal_id=principal,
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=subscription.apply(role_path(SchedulerRole.DATA_CONTRIBUTOR)),
            scope=scheduler.hub_scope(hub, subscription, rg),
            opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=[resource])),
        )
