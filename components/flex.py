"""What a Flex Consumption app declares instead of App Service settings: `functionAppConfig`.

Checked against pulumi-azure-native 3.29 (`web.WebApp(function_app_config=...)`, which
calls Microsoft.Web API version 2025-05-01; `siteUpdateStrategy` needs 2023-12-01 or later)
and Microsoft's canonical sample, Azure-Samples/azure-functions-flex-consumption-samples
`IaC/bicep/core/host/function.bicep`: a plan of kind `functionapp` with sku
`{name: FC1, tier: FlexConsumption}` and `reserved: true`; the site's package in a blob
container of its storage account read with the system identity (Storage Blob Data Owner);
runtime, scale and memory in `functionAppConfig`, not in app settings or siteConfig
(`linuxFxVersion`, `ftpsState`, `alwaysOn` and friends are rejected with ARM error 51021
in newer regions; see taskhub/flex.py for the settings list).
"""

from __future__ import annotations

import pulumi
from pulumi_azure_native import storage, web

from components.config import FlexConfig
from components.storage import DurableStorage

DEPLOYMENT_CONTAINER = "app-package"
PLAN_SKU = "FC1"
"""The plan's SKU name as ARM spells it (tier `FlexConsumption`: components/function_app.py)."""


def function_app_config(
    label: str,
    flex: FlexConfig,
    runtime: tuple[str, str],
    store: DurableStorage,
    rg: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> web.FunctionAppConfigArgs:
    """`functionAppConfig`, with the deployment container it names declared beside it.

    The package container lives on the app's own (runtime) account and is read with the
    site's system identity, so no key or SAS is needed: callers grant Blob Data Owner.
    """
    container = storage.BlobContainer(
        f"{label}-{DEPLOYMENT_CONTAINER}",
        account_name=store.account.name,
        resource_group_name=rg,
        container_name=DEPLOYMENT_CONTAINER,
        public_access=storage.PublicAccess.NONE,
        opts=opts,
    )
    blob = store.account.primary_endpoints.apply(lambda e: e.blob)
    url = pulumi.Output.all(blob, container.id).apply(lambda v: f"{v[0]}{DEPLOYMENT_CONTAINER}")
    name, version = runtime
    return web.FunctionAppConfigArgs(
        deployment=web.FunctionsDeploymentArgs(
            storage=web.FunctionsDeploymentStorageArgs(
                type=web.FunctionsDeploymentStorageType.BLOB_CONTAINER,
                value=url,
                authentication=web.FunctionsDeploymentStorageAuthenticationArgs(
                    type=web.AuthenticationType.SYSTEM_ASSIGNED_IDENTITY
                ),
            )
        ),
        runtime=web.FunctionsRuntimeArgs(name=name, version=version),
        scale_and_concurrency=web.FunctionsScaleAndConcurrencyArgs(
            maximum_instance_count=flex.maximum_instance_count,
            instance_memory_mb=flex.instance_memory_mb,
            always_ready=[
                web.FunctionsAlwaysReadyConfigArgs(name=group, instance_count=count)
                for group, count in flex.always_ready
            ]
            or None,
        ),
        site_update_strategy=web.FunctionsSiteUpdateStrategyArgs(
            type=web.SiteUpdateStrategyType(flex.site_update_strategy.value)
        ),
    )
