"""The Pulumi program: one stack per environment, everything from its stack config."""

import pulumi
from pulumi_azure_native import resources

from components.config import from_pulumi
from components.function_app import DurableFunctionApp, DurableFunctionAppArgs

config = from_pulumi()
group = resources.ResourceGroup(
    "resource-group", resource_group_name=f"rg-{config.app_name}", tags=config.tags
)
app = DurableFunctionApp(
    config.app_name, DurableFunctionAppArgs(config=config, resource_group_name=group.name)
)

pulumi.export("apps", {config.app_name: {"resourceGroup": group.name, "slots": app.slot_outputs}})
pulumi.export("hostJson", app.host_json)
