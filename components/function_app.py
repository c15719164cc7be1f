"""A durable function app with its plan, runtime storage, slots and per-slot durable storage.

The wiring follows the "status check with slot" strategy: `AzureWebJobsStorage` points
every slot at one runtime account, while the durable connection setting points each slot
at its own durable state and is never sticky, so durable state travels with the code
when slots swap. App settings are set through `site_config.app_settings` only (one
mechanism per app and slot; a second one would overwrite the whole set).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi_azure_native import authorization, web

from components.config import PRODUCTION, AppConfig, Connection, SlotConfig
from components.flex import flex_plan, function_app_config
from components.storage import DurableStorage, DurableStorageArgs
from taskhub.app_service_plans import PlanFamily
from taskhub.classic import classic_settings
from taskhub.hostjson import RUNTIME_STORAGE_SETTING, DurableSettings

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
}


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


class DurableFunctionApp(pulumi.ComponentResource):
    slot_outputs: dict[str, dict[str, Any]]
    host_json: dict[str, Any]

    def __init__(
        self, name: str, args: DurableFunctionAppArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        cfg, rg, location = args.config, args.resource_group_name, args.location
        child = pulumi.ResourceOptions(parent=self)
        identity_based = cfg.connection is Connection.IDENTITY
        content_share = cfg.plan_family in (PlanFamily.CONSUMPTION, PlanFamily.ELASTIC_PREMIUM)
        flex = cfg.flex

        if flex:
            plan = flex_plan(f"{name}-plan", f"{cfg.app_name}-plan", rg, location, cfg.tags, child)
        else:
            kind, tier = _PLAN_SHAPE[cfg.plan_family]
            plan = web.AppServicePlan(
                f"{name}-plan",
                name=f"{cfg.app_name}-plan",
                resource_group_name=rg,
                location=location,
                kind=kind,
                reserved=True,
                sku=web.SkuDescriptionArgs(name=cfg.plan_sku, tier=tier),
                tags=cfg.tags,
                opts=child,
            )
        runtime = DurableStorage(
            f"{name}-runtime",
            DurableStorageArgs(
                rg,
                cfg.runtime_storage_account,
                location,
                allow_shared_key_access=content_share or not identity_based,
                tags=cfg.tags,
            ),
            child,
        )
        durable = {
            account: DurableStorage(
                f"{name}-{account}",
                DurableStorageArgs(
                    rg, account, location, allow_shared_key_access=not identity_based, tags=cfg.tags
                ),
                child,
            )
            for account in dict.fromkeys(s.storage_account for s in cfg.slots)
        }

        def connection(setting: str, store: DurableStorage) -> dict[str, pulumi.Input[str]]:
            if identity_based:
                return {f"{setting}__accountName": store.account.name}
            return {setting: store.connection_string(rg)}

        tracking = args.tracking

        def durable_settings(slot: SlotConfig) -> DurableSettings:
            return DurableSettings(
                hub_name=slot.hub_name,
                connection_name=cfg.durable_setting,
                tracking_connection_name=tracking.setting if tracking else None,
                tracking_prefix=tracking.prefix if tracking else None,
                default_version=cfg.versioning.default_version,
                version_match_strategy=cfg.versioning.match_strategy,
                version_failure_strategy=cfg.versioning.failure_strategy,
            )

        def site_config(slot: SlotConfig) -> web.SiteConfigArgs:
            # Flex takes the runtime from functionAppConfig and rejects or ignores these.
            host = (
                {}
                if flex
                else {
                    "FUNCTIONS_EXTENSION_VERSION": "~4",
                    "FUNCTIONS_WORKER_RUNTIME": cfg.runtime,
                }
            )
            values: dict[str, pulumi.Input[str]] = {
                **host,
                **connection(RUNTIME_STORAGE_SETTING, runtime),
                **connection(cfg.durable_setting, durable[slot.storage_account]),
                **durable_settings(slot).app_settings(),
                **classic_settings(dict(cfg.versioning.classic)),
                **(connection(tracking.setting, tracking.storage) if tracking else {}),
            }
            if content_share:
                values["WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"] = runtime.connection_string(rg)
                values["WEBSITE_CONTENTSHARE"] = f"{cfg.app_name}-{slot.name}"[:63]
            app_settings = [
                web.NameValuePairArgs(name=k, value=v) for k, v in sorted(values.items())
            ]
            if flex:
                # No ftpsState (Flex has no FTP), no linuxFxVersion: see components/flex.py.
                return web.SiteConfigArgs(
                    app_settings=app_settings,
                    min_tls_version=web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
                )
            return web.SiteConfigArgs(
                app_settings=app_settings,
                ftps_state=web.FtpsState.DISABLED,
                min_tls_version=web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
                http20_enabled=True,
                linux_fx_version=f"{LINUX_FX[cfg.runtime]}|{cfg.runtime_version}",
            )

        common: dict[str, Any] = {
            "resource_group_name": rg,
            "location": location,
            "kind": "functionapp,linux",
            "server_farm_id": plan.id,
            "https_only": True,
            "identity": web.ManagedServiceIdentityArgs(
                type=web.ManagedServiceIdentityType.SYSTEM_ASSIGNED
            ),
            "tags": cfg.tags,
        }
        production, *staging = cfg.slots
        if flex:
            common["function_app_config"] = function_app_config(
                name, flex, (cfg.runtime, cfg.runtime_version), runtime, rg, child
            )
        app = web.WebApp(
            f"{name}-app",
            name=cfg.app_name,
            site_config=site_config(production),
            opts=child,
            **common,
        )
        sites: dict[str, web.WebApp | web.WebAppSlot] = {PRODUCTION: app}
        for slot in staging:
            sites[slot.name] = web.WebAppSlot(
                f"{name}-slot-{slot.name}",
                name=app.name,
                slot=slot.name,
                site_config=site_config(slot),
                opts=child,
                **common,
            )
        if not flex:  # Flex has no slots, so no sticky settings either.
            # Declared even when empty: it owns the app's whole sticky list, so no durable
            # setting can be made sticky outside this program without showing up as drift.
            web.WebAppSlotConfigurationNames(
                f"{name}-sticky-settings",
                name=app.name,
                resource_group_name=rg,
                app_setting_names=list(cfg.sticky_settings),
                opts=child,
            )
        if identity_based:
            shared = [tracking.storage] if tracking else []
            # Identities stay with their slot on a swap while the durable setting moves with
            # the code: after a swap, production's identity reads what staging's wrote.
            for slot_name, site in sites.items():
                grant_data_roles(
                    f"{name}-{slot_name}", site, [runtime, *durable.values(), *shared], child
                )
        elif flex:
            # The deployment container is read with the identity even when keys are used.
            grant_data_roles(f"{name}-{PRODUCTION}", app, [runtime], child, roles=("blob",))
        # With a tracking store the hub's Instances table lives there, not beside the queues.
        instances_store = tracking.storage if tracking else None

        self.slot_outputs = {
            slot.name: {
                "taskHub": slot.hub_name,
                "durableStorageAccount": durable[slot.storage_account].account.name,
                "tableEndpoint": (instances_store or durable[slot.storage_account]).table_endpoint,
                "connectionSetting": tracking.setting if tracking else cfg.durable_setting,
                "trackingPrefix": tracking.prefix if tracking else None,
                "hostName": sites[slot.name].default_host_name,
            }
            for slot in cfg.slots
        }
        settings = durable_settings(production)
        self.host_json = (
            settings.host_json_v1() if cfg.host_json_schema == "1" else settings.host_json()
        )
        self.register_outputs({"slots": self.slot_outputs, "hostJson": self.host_json})


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
