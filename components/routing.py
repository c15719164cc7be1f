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
from typing import Any

import pulumi
from pulumi_azure_native import web

from components.config import (
    PRODUCTION,
    AppConfig,
    SlotConfig,
    Strategy,
)
from components.function_app import (
    DurableFunctionApp,
    DurableFunctionAppArgs,
    TrackingStore,
    grant_data_roles,
)
from components.storage import DurableStorage, DurableStorageArgs
from taskhub.routes import major_minor

TYPE = "durable-zero-downtime:routing:RoutingGroup"
ROUTER_STORAGE_SETTING = "RouterStorage"


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
        slots=(SlotConfig(PRODUCTION, hub, f"{prefix}dprod"),),
        versioning=dataclasses.replace(cfg.versioning, default_version=version),
        routing=None,
    )


@dataclass
class RoutingGroupArgs:
    config: AppConfig
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str] | None = None


class RoutingGroup(pulumi.ComponentResource):
    apps: dict[str, Any]
    router: dict[str, Any]

    def __init__(
        self, name: str, args: RoutingGroupArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        cfg, rg, location = args.config, args.resource_group_name, args.location
        assert cfg.routing is not None, "RoutingGroup needs strategy: routing"
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
            self.apps[app_cfg.app_name] = {
                "version": version,
                "minor": major_minor(version),
                "slots": app.slot_outputs,
            }
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
    ) -> dict[str, Any]:
        """The router app: reads routes and instance owners from the tracking store."""
        runtime = DurableStorage(
            f"{name}-router-runtime",
            DurableStorageArgs(
                rg,
                f"{cfg.storage_prefix}router"[:24],
                location,
                allow_shared_key_access=True,
                tags=cfg.tags,
            ),
            opts,
        )
        plan = web.AppServicePlan(
            f"{name}-router-plan",
            name=f"{cfg.app_name}-router-plan",
            resource_group_name=rg,
            location=location,
            kind="functionapp",
            reserved=True,
            sku=web.SkuDescriptionArgs(name="Y1", tier="Dynamic"),
            tags=cfg.tags,
            opts=opts,
        )
        settings: dict[str, pulumi.Input[str]] = {
            "FUNCTIONS_EXTENSION_VERSION": "~4",
            "FUNCTIONS_WORKER_RUNTIME": "python",
            "AzureWebJobsStorage__accountName": runtime.account.name,
            f"{ROUTER_STORAGE_SETTING}__accountName": tracking.storage.account.name,
            "TrackingStorePrefix": tracking.prefix,
            "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING": runtime.connection_string(rg),
            "WEBSITE_CONTENTSHARE": f"{cfg.app_name}-router",
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
            site_config=web.SiteConfigArgs(
                app_settings=[
                    web.NameValuePairArgs(name=k, value=v) for k, v in sorted(settings.items())
                ],
                ftps_state=web.FtpsState.DISABLED,
                min_tls_version=web.SupportedTlsVersions.SUPPORTED_TLS_VERSIONS_1_2,
                linux_fx_version="Python|3.11",
            ),
            tags=cfg.tags,
            opts=opts,
        )
        grant_data_roles(f"{name}-router", app, [tracking.storage], opts, roles=("table",))
        grant_data_roles(f"{name}-router", app, [runtime], opts)
        return {
            "app": app.name,
            "hostName": app.default_host_name,
            "trackingPrefix": tracking.prefix,
            "trackingStorageAccount": tracking.storage.account.name,
            "tableEndpoint": tracking.storage.table_endpoint,
        }
