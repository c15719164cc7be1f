"""What both hand-made Elastic Premium programs wire alike: the plan and the site arguments.

A sibling of each program's `__main__.py` (the tests copy it beside the program), imported
from the program's folder as the Pulumi language host makes it importable. A function, not
module-level resources: a second program in the same process gets its own plan.
"""

from typing import Any

from pulumi_azure_native import web


def premium_site_args(**extra: Any) -> dict[str, Any]:
    """Registers the EP1 plan; the arguments a Linux function app or slot on it takes."""
    plan = web.AppServicePlan(
        "plan",
        name="hand-plan",
        resource_group_name="rg",
        kind="elastic",
        sku=web.SkuDescriptionArgs(name="EP1", tier="ElasticPremium"),
    )
    return dict(
        resource_group_name="rg",
        kind="functionapp,linux",
        server_farm_id=plan.id,
        https_only=True,
        site_config=web.SiteConfigArgs(ftps_state="Disabled", min_tls_version="1.2"),
        **extra,
    )
