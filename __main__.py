"""The Pulumi program: one stack per environment, everything from its stack config."""

import pulumi
from pulumi_azure_native import resources

from components.config import Strategy, from_pulumi
from components.function_app import DurableFunctionApp, DurableFunctionAppArgs
from components.routing import RoutingGroup, RoutingGroupArgs

config = from_pulumi()
group = resources.ResourceGroup(
    "resource-group", resource_group_name=f"rg-{config.app_name}", tags=config.tags
)
if config.strategy is Strategy.ROUTING:
    routing = RoutingGroup(config.app_name, RoutingGroupArgs(config, group.name))
    pulumi.export("apps", {n: {"resourceGroup": group.name, **a} for n, a in routing.apps.items()})
    pulumi.export("router", routing.router)
else:
    app = DurableFunctionApp(config.app_name, DurableFunctionAppArgs(config, group.name))
    pulumi.export(
        "apps", {config.app_name: {"resourceGroup": group.name, "slots": app.slot_outputs}}
    )
    pulumi.export("hostJson", app.host_json)
