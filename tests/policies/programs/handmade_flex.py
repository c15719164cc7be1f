"""A raw azure-native Flex Consumption program (no components of ours), for the pack's tests.

It declares what Microsoft's Flex sample declares (Azure-Samples/
azure-functions-flex-consumption-samples `IaC/bicep/core/host/function.bicep`): an FC1
plan, a site with `functionAppConfig` (blob-container deployment read with the system
identity, runtime, scale) and rolling updates, with its Durable settings arriving through
a WebAppApplicationSettings resource. Stack config `handflex:defaultVersion` and
`handflex:matchStrategy` set the versioning values (absent when not given);
`handflex:recreate` switches to the Recreate strategy.
"""

import pulumi
from pulumi_azure_native import storage, web

config = pulumi.Config("handflex")
default_version = config.get("defaultVersion")
match_strategy = config.get("matchStrategy")
recreate = config.get_bool("recreate") or False
DURABLE = "AzureFunctionsJobHost__extensions__durableTask__"

plan = web.AppServicePlan(
    "plan",
    name="flex-plan",
    resource_group_name="rg",
    kind="functionapp",
    reserved=True,
    sku=web.SkuDescriptionArgs(name="FC1", tier="FlexConsumption"),
)
account = storage.StorageAccount(
    "account",
    account_name="handflexrt",
    resource_group_name="rg",
    kind=storage.Kind.STORAGE_V2,
    sku=storage.SkuArgs(name=storage.SkuName.STANDARD_LRS),
    enable_https_traffic_only=True,
    minimum_tls_version=storage.MinimumTlsVersion.TLS1_2,
    allow_blob_public_access=False,
    allow_shared_key_access=False,
)
app = web.WebApp(
    "app",
    name="hand-flex",
    resource_group_name="rg",
    kind="functionapp,linux",
    server_farm_id=plan.id,
    https_only=True,
    identity=web.ManagedServiceIdentityArgs(type=web.ManagedServiceIdentityType.SYSTEM_ASSIGNED),
    site_config=web.SiteConfigArgs(min_tls_version="1.2"),
    function_app_config=web.FunctionAppConfigArgs(
        deployment=web.FunctionsDeploymentArgs(
            storage=web.FunctionsDeploymentStorageArgs(
                type="blobContainer",
                value="https://handflexrt.blob.core.windows.net/app-package",
                authentication=web.FunctionsDeploymentStorageAuthenticationArgs(
                    type="SystemAssignedIdentity"
                ),
            )
        ),
        runtime=web.FunctionsRuntimeArgs(name="python", version="3.11"),
        scale_and_concurrency=web.FunctionsScaleAndConcurrencyArgs(
            maximum_instance_count=100, instance_memory_mb=2048
        ),
        site_update_strategy=web.FunctionsSiteUpdateStrategyArgs(
            type="Recreate" if recreate else "RollingUpdate"
        ),
    ),
)
values = {
    "AzureWebJobsStorage__accountName": "handflexrt",
    "Durable__accountName": "handflexdurable",
    DURABLE + "storageProvider__connectionName": "Durable",
    DURABLE + "hubName": "HandFlex",
}
if default_version is not None:
    values[DURABLE + "defaultVersion"] = default_version
if match_strategy is not None:
    values[DURABLE + "versionMatchStrategy"] = match_strategy
web.WebAppApplicationSettings(
    "app-settings", name=app.name, resource_group_name="rg", properties=values
)
