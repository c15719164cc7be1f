"""An app's own Durable Task Scheduler: the scheduler, a task hub per slot, its retention.

One scheduler per app, so an app's hubs (and the retention policy, which applies to every
hub of a scheduler) are the app's alone. Each slot gets its own task hub: two slots on one
hub would take each other's work. Names and properties follow pulumi-azure-native 3.29
`durabletask` (API 2026-02-01): `Scheduler(properties=SchedulerPropertiesArgs(ip_allowlist,
sku=SchedulerSkuArgs(name, capacity)))`, `TaskHub(scheduler_name, task_hub_name)`,
`RetentionPolicy(scheduler_name, properties=RetentionPolicyPropertiesArgs(
retention_policies=[RetentionPolicyDetailsArgs(retention_period_in_days)]))` (no state: the
period applies to every purgeable state). Children name the scheduler by its literal name
and depend on it, so the plan shows what ARM will be asked for.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
from pulumi_azure_native import durabletask

from components.config import SchedulerConfig

TYPE = "durable-zero-downtime:scheduler:DurableTaskScheduler"
_PROVIDER = "Microsoft.DurableTask"


@dataclass
class DurableTaskSchedulerArgs:
    resource_group_name: pulumi.Input[str]
    scheduler_name: str
    config: SchedulerConfig
    hub_names: tuple[str, ...]
    location: pulumi.Input[str] | None = None
    tags: dict[str, str] = field(default_factory=dict)


class DurableTaskScheduler(pulumi.ComponentResource):
    scheduler_name: str
    hubs: dict[str, durabletask.TaskHub]
    """By task hub name."""
    endpoint: pulumi.Output[str | None]
    """`properties.endpoint`, known once ARM has created the scheduler."""

    def __init__(
        self,
        name: str,
        args: DurableTaskSchedulerArgs,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(TYPE, name, None, opts)
        cfg, rg = args.config, args.resource_group_name
        self.scheduler_name = args.scheduler_name
        scheduler = durabletask.Scheduler(
            f"{name}-dts",
            scheduler_name=args.scheduler_name,
            resource_group_name=rg,
            location=args.location,
            properties=durabletask.SchedulerPropertiesArgs(
                ip_allowlist=list(cfg.ip_allowlist),
                sku=durabletask.SchedulerSkuArgs(name=cfg.sku.value, capacity=cfg.capacity),
            ),
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        after = pulumi.ResourceOptions(parent=self, depends_on=[scheduler])
        self.hubs = {
            hub: durabletask.TaskHub(
                f"{name}-hub-{hub.lower()}",
                resource_group_name=rg,
                scheduler_name=args.scheduler_name,
                task_hub_name=hub,
                opts=after,
            )
            for hub in args.hub_names
        }
        durabletask.RetentionPolicy(
            f"{name}-retention",
            resource_group_name=rg,
            scheduler_name=args.scheduler_name,
            properties=durabletask.RetentionPolicyPropertiesArgs(
                retention_policies=[
                    durabletask.RetentionPolicyDetailsArgs(
                        retention_period_in_days=cfg.retention_days
                    )
                ]
            ),
            opts=after,
        )
        self.endpoint = scheduler.properties.apply(lambda p: p.endpoint if p else None)
        self.register_outputs({"endpoint": self.endpoint, "taskHubs": list(args.hub_names)})

    def connection_string(self) -> pulumi.Output[str | None]:
        """The app setting value: the endpoint, read with the site's system identity.

        Keys and format: durabletask-dotnet `DurableTaskSchedulerConnectionString`
        (`Endpoint`, `Authentication=ManagedIdentity`; no `ClientID` means the system
        identity). The hub is not part of it: host.json's hubName wins over `TaskHub=`.
        """
        return self.endpoint.apply(
            lambda e: f"Endpoint={e};Authentication=ManagedIdentity" if e else None
        )

    def hub_scope(
        self, hub: str, subscription: pulumi.Input[str], rg: pulumi.Input[str]
    ) -> pulumi.Output[str]:
        """The ARM id of task hub `hub`: the scope its data roles are assigned at."""
        return pulumi.Output.all(subscription, rg).apply(
            lambda v: (
                f"/subscriptions/{v[0]}/resourceGroups/{v[1]}/providers/{_PROVIDER}/"
                f"schedulers/{self.scheduler_name}/taskHubs/{hub}"
            )
        )

    def dashboard_url(self, hub: str) -> pulumi.Output[str | None]:
        return self.hubs[hub].properties.apply(lambda p: p.dashboard_url if p else None)
