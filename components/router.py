"""The version router of a routing group: a small Python app in front of the version apps.

It reads routes and instance owners from the group's tracking store, so its identity gets
a table role there and nothing on the version apps' own durable accounts. On
Flex Consumption it gets its own Flex plan like every version app, and no content share
(so its runtime account keeps shared keys off); elsewhere it runs on Consumption (Y1).
Its plan, site and settings come from the same builders as the version apps'
(components/function_app.py); its resources stay children of the routing group, so
their names and URNs are those of every stack declared before this module existed.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import TypedDict

import pulumi
from pulumi_azure_native import authorization, web

from components.config import AppConfig
from components.flex import PLAN_SKU as FLEX_SKU
from components.flex import function_app_config
from components.function_app import (
    TrackingStore,
    app_service_plan,
    grant_data_roles,
    platform_settings,
    role_path,
    site_args,
    site_config_args,
)
from components.storage import DurableStorage, DurableStorageArgs
from taskhub.app_service_plans import plan_family
from taskhub.hostjson import RUNTIME_STORAGE_SETTING
from taskhub.routes import ROUTER_PREFIX_SETTING, ROUTER_STORAGE_SETTING

TABLE_DATA_READER = "76199698-9eea-4c19-bc75-cec21354c6b6"
"""Built-in role Storage Table Data Reader: what the router needs on the tracking store."""
RUNTIME = ("python", "3.11")
"""apps/router is a Python app."""
PLAN_SKU = "Y1"
"""Off Flex the router runs on Consumption: it holds no durable work, only forwards."""


class RouterOutputs(TypedDict):
    """The stack output `router`: where the router is and which tracking store it reads."""

    app: pulumi.Output[str]
    hostName: pulumi.Output[str]
    trackingPrefix: str
    trackingStorageAccount: pulumi.Output[str]
    tableEndpoint: pulumi.Output[str]


@dataclass(frozen=True)
class RouterArgs:
    label: str
    """The routing group's name: the prefix of the router's logical resource names."""
    config: AppConfig
    resource_group_name: pulumi.Input[str]
    location: pulumi.Input[str] | None
    tracking: TrackingStore


def declare_router(args: RouterArgs, opts: pulumi.ResourceOptions) -> RouterOutputs:
    """The router app, its plan, runtime account and roles, as children of `opts.parent`."""
    name, cfg, rg, location = args.label, args.config, args.resource_group_name, args.location
    tracking, flex = args.tracking, args.config.flex
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
    sku = FLEX_SKU if flex else PLAN_SKU
    plan = app_service_plan(
        f"{name}-router-plan", f"{cfg.app_name}-router-plan", sku, rg, location, cfg.tags, opts
    )
    settings: dict[str, pulumi.Input[str]] = {
        f"{RUNTIME_STORAGE_SETTING}__accountName": runtime.account.name,
        f"{ROUTER_STORAGE_SETTING}__accountName": tracking.storage.account.name,
        ROUTER_PREFIX_SETTING: tracking.prefix,
        **platform_settings(
            RUNTIME[0],
            plan_family(sku),
            runtime,
            f"{cfg.app_name}-router",
            rg,
        ),
    }
    flex_config = None
    if flex:
        # The router runs no orchestrations: only an HTTP always-ready group applies.
        router_flex = dataclasses.replace(
            flex, always_ready=tuple(g for g in flex.always_ready if g[0] == "http")
        )
        flex_config = function_app_config(f"{name}-router", router_flex, RUNTIME, runtime, rg, opts)
    app = web.WebApp(
        f"{name}-router",
        name=f"{cfg.app_name}-router",
        site_config=site_config_args(settings, None if flex else "Python|3.11", http2=False),
        opts=opts,
        **site_args(plan, rg, location, cfg.tags, flex_config),
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
