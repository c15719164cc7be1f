"""A raw azure-native program on the Durable Task Scheduler (no components of ours).

It wires what Microsoft's Durable Functions + scheduler quickstart wires, by hand: a
scheduler, a task hub per slot, the app and a staging slot whose settings (through
WebAppApplicationSettings[Slot]) select `azureManaged`, read the connection from
DURABLE_TASK_SCHEDULER_CONNECTION_STRING and the hub from `%TASKHUB_NAME%`, and a Durable
Task Data Contributor role for each slot's identity on each hub. The connection string is
written out, as teams paste a scheduler's endpoint. Its mistakes come from stack config
(`handmadedts:<flag>: true`): `sharedHub` gives both slots one TASKHUB_NAME, `stickyHub`
makes TASKHUB_NAME a slot setting, `emulator` uses the emulator's connection string,
`noRoles` leaves the roles out, `closed` leaves the scheduler's ipAllowlist empty.
"""

import pulumi
from hand_premium import premium_site_args
from pulumi_azure_native import authorization, durabletask, web

config = pulumi.Config("handmadedts")
flags = {
    name: config.get_bool(name) or False
    for name in ("sharedHub", "stickyHub", "emulator", "noRoles", "closed")
}
DURABLE = "AzureFunctionsJobHost__extensions__durableTask__"
HUBS = {"production": "HandHub", "staging": "HandHub" if flags["sharedHub"] else "HandHubStaging"}
ENDPOINT = "https://hand-sched-x1y2.westeurope.durabletask.io"
CONTRIBUTOR = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/providers/Microsoft.Authorization/"
    "roleDefinitions/0ad04412-c4d5-4796-b79c-f76d14c8d402"
)

scheduler = durabletask.Scheduler(
    "scheduler",
    scheduler_name="hand-sched",
    resource_group_name="rg",
    properties=durabletask.SchedulerPropertiesArgs(
        ip_allowlist=[] if flags["closed"] else ["0.0.0.0/0"],
        sku=durabletask.SchedulerSkuArgs(name="Consumption"),
    ),
)
hubs = {
    hub: durabletask.TaskHub(
        f"hub-{hub.lower()}",
        resource_group_name="rg",
        scheduler_name="hand-sched",
        task_hub_name=hub,
        opts=pulumi.ResourceOptions(depends_on=[scheduler]),
    )
    for hub in dict.fromkeys(HUBS.values())
}
site_args = premium_site_args(
    identity=web.ManagedServiceIdentityArgs(type=web.ManagedServiceIdentityType.SYSTEM_ASSIGNED)
)
sites: dict[str, web.WebApp | web.WebAppSlot] = {
    "production": web.WebApp("app", name="hand-dts", **site_args),
    "staging": web.WebAppSlot("staging", name="hand-dts", slot="staging", **site_args),
}


def settings(slot: str) -> dict[str, str]:
    connection = (
        "Endpoint=http://localhost:8080;Authentication=None"
        if flags["emulator"]
        else f"Endpoint={ENDPOINT};Authentication=ManagedIdentity"
    )
    return {
        "AzureWebJobsStorage__accountName": "handruntime",
        DURABLE + "storageProvider__type": "azureManaged",
        DURABLE
        + "storageProvider__connectionStringName": "DURABLE_TASK_SCHEDULER_CONNECTION_STRING",
        DURABLE + "hubName": "%TASKHUB_NAME%",
        "DURABLE_TASK_SCHEDULER_CONNECTION_STRING": connection,
        "TASKHUB_NAME": HUBS[slot],
        "WEBSITE_CONTENTSHARE": f"hand-dts-{slot}",
    }


web.WebAppApplicationSettings(
    "app-settings", name="hand-dts", resource_group_name="rg", properties=settings("production")
)
web.WebAppApplicationSettingsSlot(
    "staging-settings",
    name="hand-dts",
    slot="staging",
    resource_group_name="rg",
    properties=settings("staging"),
)
web.WebAppSlotConfigurationNames(
    "sticky",
    name="hand-dts",
    resource_group_name="rg",
    app_setting_names=["TASKHUB_NAME"] if flags["stickyHub"] else [],
)
for slot, site in ({} if flags["noRoles"] else sites).items():
    for hub, resource in hubs.items():
        authorization.RoleAssignment(
            f"{slot}-{hub.lower()}",
            principal_id=site.identity.apply(lambda i: i.principal_id if i else ""),
            principal_type="ServicePrincipal",
            role_definition_id=CONTRIBUTOR,
            scope=resource.id,
        )
