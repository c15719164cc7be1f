"""Every key a stack may set: what `from_pulumi` reads and the config reference documents."""

from __future__ import annotations

FIELDS: dict[str, tuple[str, ...]] = {
    "slots": ("names", "mode", "stickySettings"),
    "versioning": ("defaultVersion", "versionMatchStrategy", "versionFailureStrategy", "classic"),
    "routing": ("versions", "trackingPrefix", "maxFunctionApps"),
    "flex": ("siteUpdateStrategy", "maximumInstanceCount", "instanceMemoryMB", "alwaysReady"),
    "scheduler": ("sku", "capacity", "ipAllowlist", "retentionDays"),
}
"""The fields of each object key: a field not listed is refused, not ignored."""

STACK_KEYS = (
    "appName",
    "runtime",
    "runtimeVersion",
    "planSku",
    "strategy",
    "backend",
    "connection",
    "durableSetting",
    "hubName",
    "storagePrefix",
    "slots",
    "versioning",
    "hostJsonSchema",
    "tags",
    "routing",
    "flex",
    "scheduler",
)


def accepted_keys() -> list[str]:
    """Every key a stack may set, nested fields as `block.field`."""
    return [
        key
        for top in STACK_KEYS
        for key in ([f"{top}.{field}" for field in FIELDS[top]] if top in FIELDS else [top])
    ]
