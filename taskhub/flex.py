"""Flex Consumption (FC1): what the platform accepts, and what a rolling update demands.

Shared by the stack config (which refuses a bad declaration before anything exists) and
the policy pack (which judges any program's Flex apps), so both say the same thing.

Sources (Microsoft Learn, azure-docs `articles/azure-functions/`):
- `flex-consumption-plan.md`: one app per plan; no deployment slots; instance memory
  512, 2048 (default) or 4096 MB; maximum instance count 40 to 1000; always-ready
  instances per scale group (`http`, `blob`, `durable`, `function:<name>`), default 0.
- `flex-consumption-site-updates.md`: `functionAppConfig.siteUpdateStrategy.type` is
  `Recreate` (the platform default) or `RollingUpdate` (preview); during a rolling update
  old and new instances run side by side, there is no completion signal, and Durable
  Functions apps should use an explicit orchestration version match strategy.
- `functions-app-settings.md#flex-consumption-plan-deprecations`: app settings that Flex
  replaces with `functionAppConfig` or ignores.
"""

from __future__ import annotations

from enum import StrEnum

from taskhub.enums import parse_enum
from taskhub.versions import MatchStrategy


class SiteUpdateStrategy(StrEnum):
    """`functionAppConfig.siteUpdateStrategy.type` (azure-native `SiteUpdateStrategyType`)."""

    RECREATE = "Recreate"
    """Every instance restarts on the new code; in-progress executions are terminated."""
    ROLLING_UPDATE = "RollingUpdate"
    """Instances drain in batches while new ones start: old and new code run together."""


PLATFORM_DEFAULT_UPDATE = SiteUpdateStrategy.RECREATE
INSTANCE_MEMORY_MB = (512, 2048, 4096)
DEFAULT_INSTANCE_MEMORY_MB = 2048
MAXIMUM_INSTANCES = (40, 1000)
DEFAULT_MAXIMUM_INSTANCES = 100
SCALE_GROUPS = ("http", "blob", "durable")
"""Per-function scale groups; any other always-ready name is `function:<name>`."""

DEPRECATED_SETTINGS = frozenset(
    {
        "FUNCTIONS_EXTENSION_VERSION",
        "FUNCTIONS_WORKER_RUNTIME",
        "FUNCTIONS_WORKER_RUNTIME_VERSION",
        "FUNCTIONS_MAX_HTTP_CONCURRENCY",
        "FUNCTIONS_WORKER_PROCESS_COUNT",
        "FUNCTIONS_WORKER_DYNAMIC_CONCURRENCY_ENABLED",
        "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
        "WEBSITE_CONTENTSHARE",
        "WEBSITE_NODE_DEFAULT_VERSION",
        "WEBSITE_RUN_FROM_PACKAGE",
        "SCM_DO_BUILD_DURING_DEPLOYMENT",
        "ENABLE_ORYX_BUILD",
    }
)
"""App settings Flex replaces with `functionAppConfig` or ignores (no content share, no
run-from-package: the package lives in the deployment blob container)."""


def always_ready_name_problem(name: str) -> str | None:
    if name in SCALE_GROUPS or (name.startswith("function:") and len(name) > len("function:")):
        return None
    return f"{name!r} is neither a scale group ({', '.join(SCALE_GROUPS)}) nor function:<name>"


def rolling_update_versioning_problem(
    default_version: str | None, match_strategy: str | None
) -> str | None:
    """Why a Durable app may not take rolling updates with these versioning settings.

    During a rolling update old and new workers pick up the same hub's work: without a
    defaultVersion new orchestrations carry no version, so neither worker can tell its own
    from the other's, and with `None` any worker replays any history (the new code
    replaying an old instance is exactly the non-determinism versioning exists to avoid).
    Microsoft asks for an explicit strategy, so an unset one (runtime default) is refused too.
    """
    missing = []
    if not (default_version or "").strip():
        missing.append("defaultVersion is not set")
    if match_strategy is None or not match_strategy.strip():
        missing.append("versionMatchStrategy is not set explicitly")
    else:
        try:
            if parse_enum(MatchStrategy, match_strategy) is MatchStrategy.NONE:
                missing.append("versionMatchStrategy is None (any worker replays any version)")
        except ValueError:
            missing.append(f"versionMatchStrategy {match_strategy!r} is not a strategy")
    if not missing:
        return None
    return (
        "a rolling update runs old and new workers side by side on one task hub, but "
        + "; ".join(missing)
    )
