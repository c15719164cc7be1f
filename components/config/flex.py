"""The `flex` key: `functionAppConfig` of a Flex Consumption app, and what FC1 cannot do."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.config.model import ConfigError, FlexConfig, Strategy, VersioningConfig
from components.config.readers import block, choice, integer
from taskhub.app_service_plans import PlanFamily
from taskhub.flex import (
    DEFAULT_INSTANCE_MEMORY_MB,
    DEFAULT_MAXIMUM_INSTANCES,
    INSTANCE_MEMORY_MB,
    MAXIMUM_INSTANCES,
    SiteUpdateStrategy,
    always_ready_name_problem,
    rolling_update_versioning_problem,
)


def flex(values: Mapping[str, Any], family: PlanFamily) -> FlexConfig | None:
    found = block(values, "flex")
    if family is not PlanFamily.FLEX_CONSUMPTION:
        if found:
            raise ConfigError(
                "flex", dict(found), "applies to Flex Consumption only", "remove it, or use FC1"
            )
        return None
    return FlexConfig(
        maximum_instance_count=_maximum_instances(found),
        instance_memory_mb=_instance_memory(found),
        always_ready=_always_ready(found),
        site_update_strategy=choice(
            found,
            "siteUpdateStrategy",
            SiteUpdateStrategy,
            SiteUpdateStrategy.ROLLING_UPDATE,
            within="flex.",
        ),
    )


def _maximum_instances(found: Mapping[str, Any]) -> int:
    low, high = MAXIMUM_INSTANCES
    count = integer(found, "maximumInstanceCount", DEFAULT_MAXIMUM_INSTANCES, within="flex.")
    if not low <= count <= high:
        raise ConfigError(
            "flex.maximumInstanceCount",
            count,
            f"Flex Consumption allows {low} to {high}",
            f"set a value from {low} to {high}",
        )
    return count


def _instance_memory(found: Mapping[str, Any]) -> int:
    memory = integer(found, "instanceMemoryMB", DEFAULT_INSTANCE_MEMORY_MB, within="flex.")
    if memory not in INSTANCE_MEMORY_MB:
        sizes = ", ".join(map(str, INSTANCE_MEMORY_MB))
        raise ConfigError(
            "flex.instanceMemoryMB", memory, f"is not one of {sizes}", f"use one of {sizes}"
        )
    return memory


def _always_ready(found: Mapping[str, Any]) -> tuple[tuple[str, int], ...]:
    ready = found.get("alwaysReady") or {}
    if not isinstance(ready, Mapping):
        raise ConfigError(
            "flex.alwaysReady", ready, "must map scale groups to counts", '{"durable": 1}'
        )
    for name, instances in ready.items():
        problem = always_ready_name_problem(str(name))
        if problem or not isinstance(instances, int) or isinstance(instances, bool):
            raise ConfigError(
                "flex.alwaysReady",
                dict(ready),
                problem or f"{instances!r} is not a count",
                'map http, blob, durable or function:<name> to a count, e.g. {"durable": 1}',
            )
    return tuple(sorted((str(k), int(v)) for k, v in ready.items()))


def check_flex_fits(
    found: FlexConfig, strategy: Strategy, versioning: VersioningConfig, schema: str
) -> None:
    """What Flex Consumption cannot do, refused before a plan is declared."""
    if schema == "1":
        raise ConfigError(
            "hostJsonSchema", schema, "Flex Consumption runs Functions 4.x only", 'use "2"'
        )
    if found.site_update_strategy is not SiteUpdateStrategy.ROLLING_UPDATE:
        return
    # Routing gives every version app its own defaultVersion; versioning takes the stack's.
    default_version = "routed" if strategy is Strategy.ROUTING else versioning.default_version
    match = versioning.match_strategy.value if versioning.match_strategy else None
    if problem := rolling_update_versioning_problem(default_version, match):
        raise ConfigError(
            "versioning",
            {"defaultVersion": versioning.default_version, "versionMatchStrategy": match},
            problem,
            "set versioning.defaultVersion and versioning.versionMatchStrategy "
            "(CurrentOrOlder), or flex.siteUpdateStrategy: Recreate",
        )
