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
from typing import TypedDict

import pulumi

from components.config import AppConfig, ConfigError, SlotConfig, Strategy
from components.function_app import (
    DurableFunctionApp,
    DurableFunctionAppArgs,
    SlotOutputs,
    TrackingStore,
)
from components.router import RouterArgs, RouterOutputs, declare_router
from components.storage import DurableStorage, DurableStorageArgs
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.routes import major_minor

TYPE = "durable-zero-downtime:routing:RoutingGroup"


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
        self.router = declare_router(RouterArgs(name, cfg, rg, location, tracking), child)
        self.register_outputs({"apps": self.apps, "router": self.router})
