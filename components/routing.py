"""Application routing: one function app per major.minor, one tracking store, one router.

Each version app has its own durable storage account (its own scheduling queues, so a
version only ever runs its own code) and a hub named after its version; all of them
write Instances and History to the shared tracking store under one prefix, which is what
lets the router send a request about an instance to the app that owns it. Removing a
version from `routing.versions` removes its app on the next `pulumi up`, so that step is
gated by `durable-deploy routes retire`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any, TypedDict

import pulumi
from pulumi_azure_native import authorization, web

from components.config import AppConfig, ConfigError, SlotConfig, Strategy
from components.flex import flex_plan, function_app_config
from components.function_app import (
    DurableFunctionApp,
    DurableFunctionAppArgs,
    SlotOutputs,
    TrackingStore,
    grant_data_roles,
    role_path,
)
from components.storage import DurableStorage, DurableStorageArgs
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.hostjson import RUNTIME_STORAGE_SETTING
from taskhub.routes import ROUTER_PREFIX_SETTING, ROUTER_STORAGE_SETTING, major_minor

TYPE = "durable-zero-downtime:routing:RoutingGroup"
TABLE_DATA_READER = "76199698-9eea-4c19-bc75-cec21354c6b6"
"""Built-in role Storage Table Data Reader: what the router needs on the tracking store."""


def version_config(cfg: AppConfig, version: str) -> AppConfig:
    """The config of the app that serves `version` (and later patches of its minor)."""
    major, minor = str(major_minor(version)).split(".")
    tag = f"{major}x{minor}"
    prefix = f"{cfg.storage_prefix[: 16 - len(tag) - 1]}v{tag}"
    hub = f"{cfg.hub_name[: 45 - len(tag) - 1]}V{tag}"
    return dataclasses.replace(
        cfg,
        app_name=f"{cfg.app_name}-v{major}-{minor}",
        strategy=Strategy.VERSIONING,
        hub_name=hub,
        storage_prefix=prefix,
        slots=(SlotConfig(PRODUCTION_SLOT, hub, f"{prefix}dprod"),),
        versioning=dataclasses.replace(cfg.versioning, default_version=version),
        routing=None,
    )


@dataclass
class RoutingGroupArgs:
    config: AppConfig
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str] | None = None


class VersionAppOutputs(TypedDict):
    """One version app in the stack output `apps.<app name>`."""

    version: str
    minor: str | None
    slots: dict[str, SlotOutputs]


class RouterOutputs(TypedDict):
    """The stack output `router`: where the router is and which tracking store it reads."""

    app: pulumi.Output[str]
    hostName: pulumi.Output[str]
    trackingPrefix: str
    trackingStorageAccount: pulumi.Output[str]
    tableEndpoint: pulumi.Output[str]


class RoutingGroup(pulumi.ComponentResource):
    apps: dict[str, VersionAppOutputs]
    router: RouterOutputs

    def __init__(
        self, name: str, args: RoutingGroupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        cfg, rg, location = args.config, args.resource_group_name, args.location
        if cfg.routing is None:
            # Checked before anything is registered: a half-built group would show in a plan.
            raise ConfigError(
                "strategy",
                str(cfg.strategy),
                "a RoutingGroup is the routing strategy's program (one app per major.minor)",
                "set strategy: routing with routing.versions, or declare a DurableFunctionApp",
            )
        super().__init__(TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        tracking_storage = DurableStorage(
            f"{name}-tracking",
            DurableStorageArgs(rg, f"{cfg.storage_prefix}track"[:24], location, tags=cfg.tags),
            child,
        )
        tracking = TrackingStore(tracking_storage, cfg.routing.tracking_prefix)
        self.apps = {}
        for version in cfg.routing.versions:
            app_cfg = version_config(cfg, version)
            app = DurableFunctionApp(
                app_cfg.app_name,
                DurableFunctionAppArgs(app_cfg, rg, location, tracking=tracking),
                child,
            )
            self.apps[app_cfg.app_name] = VersionAppOutputs(
                version=version, minor=major_minor(version), slots=app.slot_outputs
            )
        self.router = self._router(name, cfg, rg, location, tracking, child)
        self.register_outputs({"apps": self.apps, "router": self.router})

    def _router(
        self,
        name: str,
        cfg: AppConfig,
        rg: pulumi.Input[str],
        location: pulumi.Input[str] | None,
        tracking: TrackingStore,
        opts: pulumi.ResourceOptions,
    ) -> RouterOutputs:
        """The router app: reads routes and instance owners from the tracking store.

        On Flex Consumption it gets its own Flex plan like every version app, and no
        content share (so its runtime account keeps shared keys off).
        """
        flex = cfg.flex
        runtime = DurableStorage(
            f"{name}-router-runtime",
            DurableStorageArgs(
                rg,
                f"{cfg.storage_prefix}router"[:24],
                location,
                allow_shared_key_access=flex is None,
                tags=cfg.tags,
            ),
            opts,
        )
        plan_name = f"{cfg.app_name}-router-plan"
        if flex:
            plan = flex_plan(f"{name}-router-plan", plan_name, rg, location, cfg.tags, opts)
        else:
            plan = web.AppServicePlan(
                f"{name}-router-plan",
                name=plan_name,
                resource_group_name=rg,
                location=location,
                kind="functionapp",
                reserved=True,
                sku=web.SkuDescriptionArgs(name="Y1", tier="Dynamic"),
                tags=cfg.tags,
                opts=opts,
            )
        settings: dict[str, pulumi.Input[str]] = {
            f"{RUNTIME_STORAGE_SETTING}__accountName": runtime.account.name,
            f"{ROUTER_STORAGE_SETTING}__accountName": tracking.storage.account.name,
            ROUTER_PREFIX_SETTING: tracking.prefix,
        }
        if not flex:
            settings.update(
                {
                    "FUNCTIONS_EXTENSION_VERSION": "~4",
                    "FUNCTIONS_WORKER_RUNTIME": "python",
                    "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": runtime.connection_string(rg),
                    "WEBSITE_CONTENTSHARE": f"{cfg.app_name}-router",
                }
            )
        app_settings = [web.NameValuePairArgs(name=k, value=v) for k, v in sorted(settings.items())]
        tls = web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2
        site: dict[str, Any]
        if flex:
            # The router runs no orchestrations: only an HTTP always-ready group applies.
            router_flex = dataclasses.replace(
                flex, always_ready=tuple(g for g in flex.always_ready if g[0] == "http")
            )
            site = {
                "site_config": web.SiteConfigArgs(app_settings=app_settings, min_tls_version=tls),
                "function_app_config": function_app_config(
                    f"{name}-router", router_flex, ("python", "3.11"), runtime, rg, opts
                ),
            }
        else:
            site = {
                "site_config": web.SiteConfigArgs(
                    app_settings=app_settings,
                    ftps_state=web.FtpsState.DISABLED,
                    min_tls_version=tls,
                    linux_fx_version="Python|3.11",
                )
            }
        app = web.WebApp(
            f"{name}-router",
            name=f"{cfg.app_name}-router",
            resource_group_name=rg,
            location=location,
            kind="functionapp,linux",
            server_farm_id=plan.id,
            https_only=True,
            identity=web.ManagedServiceIdentityArgs(
                type=web.ManagedServiceIdentityType.SYSTEM_ASSIGNED
            ),
            tags=cfg.tags,
            opts=opts,
            **site,
        )
        # The router only reads the tracking store (routes, instance owners): read-only.
        authorization.RoleAssignment(
            f"{name}-router-{tracking.storage.account_name}-table-reader",
            principal_id=app.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type=authorization.PrincipalType.SERVICE_PRINCIPAL,
            role_definition_id=authorization.get_client_config_output().subscription_id.apply(
                role_path(TABLE_DATA_READER)
            ),
            scope=tracking.storage.account.id,
            opts=opts,
        )
        grant_data_roles(f"{name}-router", app, [runtime], opts)
        return RouterOutputs(
            app=app.name,
            hostName=app.default_host_name,
            trackingPrefix=tracking.prefix,
            trackingStorageAccount=tracking.storage.account.name,
            tableEndpoint=tracking.storage.table_endpoint,
        )
