"""A Pulumi program that does NOT use our components, for the policy pack's tests.

It wires a function app and a staging slot by hand with azure-native resources, settings
through WebAppApplicationSettings[Slot], and takes its mistakes from stack config:
`stickyDurable` marks the durable setting sticky, `sharedHub` points both slots at one
durable account with the same hub. With `hubSetting` both slots share one durable account
and take their hubs from `%TASKHUB_NAME%`, the documented way to give each slot its hub.
"""

import pulumi
from hand_premium import premium_site_args
from pulumi_azure_native import web

config = pulumi.Config("handmade")
shared_hub = config.get_bool("sharedHub") or False
sticky_durable = config.get_bool("stickyDurable") or False
hub_setting = config.get_bool("hubSetting") or False

site_args = premium_site_args()
app = web.WebApp("app", name="hand-app", **site_args)
slot = web.WebAppSlot("staging", name=app.name, slot="staging", **site_args)


def settings(slot_name: str, account: str) -> dict[str, str]:
    hub = {"TASKHUB_NAME": f"HandHub{'' if shared_hub else slot_name.capitalize()}"}
    return {
        "AzureWebJobsStorage__accountName": "handruntime",
        "Durable__accountName": "handprod" if hub_setting else account,
        "AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionName": (
            "Durable"
        ),
        "AzureFunctionsJobHost__extensions__durableTask__hubName": (
            "%TASKHUB_NAME%" if hub_setting else "HandHub"
        ),
        **(hub if hub_setting else {}),
        "WEBSITE_CONTENTSHARE": f"hand-app-{slot_name}",
    }


web.WebAppApplicationSettings(
    "app-settings",
    name=app.name,
    resource_group_name="rg",
    properties=settings("production", "handprod"),
)
web.WebAppApplicationSettingsSlot(
    "staging-settings",
    name=app.name,
    slot="staging",
    resource_group_name="rg",
    properties=settings("staging", "handprod" if shared_hub else "handstaging"),
)
web.WebAppSlotConfigurationNames(
    "sticky",
    name=app.name,
    resource_group_name="rg",
    app_setting_names=["Durable__accountName"] if sticky_durable else ["SLOT_ROLE"],
)
