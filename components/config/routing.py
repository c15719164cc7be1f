"""The `routing` key: the versions that get an app each, and their shared tracking store."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.config.model import ConfigError, RoutingConfig
from components.config.readers import block
from taskhub.hubs import DEFAULT_TRACKING_PREFIX, hub_name_problem
from taskhub.routes import major_minor


def routing(values: Mapping[str, Any]) -> RoutingConfig:
    found = block(values, "routing")
    versions = _versions(found.get("versions"))
    prefix = str(found.get("trackingPrefix", DEFAULT_TRACKING_PREFIX))
    if hub_name_problem(prefix):
        raise ConfigError(
            "routing.trackingPrefix",
            prefix,
            "is not a valid table prefix",
            "use letters and digits, starting with a letter",
        )
    limit = int(found.get("maxFunctionApps", 100))
    if len(versions) + 1 > limit:
        raise ConfigError(
            "routing.versions",
            found.get("versions"),
            f"{len(versions)} version apps and the router exceed maxFunctionApps {limit}",
            "retire drained versions first",
        )
    return RoutingConfig(versions, prefix)


def _versions(versions: Any) -> tuple[str, ...]:
    """One entry per major.minor: a patch deploys into its minor's app."""
    if not isinstance(versions, list) or not versions:
        raise ConfigError(
            "routing.versions",
            versions,
            "the routing strategy needs versions",
            'e.g. ["1.0.3", "1.1.0"]',
        )
    seen: dict[str, str] = {}
    for version in versions:
        minor = major_minor(str(version))
        if minor is None:
            raise ConfigError(
                "routing.versions",
                versions,
                f"{version!r} is not a version of 2 to 4 numbers",
                'write versions like "1.0.3"',
            )
        if minor in seen:
            raise ConfigError(
                "routing.versions",
                versions,
                f"{seen[minor]!r} and {version!r} "
                f"are both {minor}: a patch deploys into its minor's app",
                "keep one entry per major.minor",
            )
        seen[minor] = str(version)
    return tuple(str(v) for v in versions)
