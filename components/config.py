"""Stack config (namespace `durable-zero-downtime`), validated before anything is declared.

Every error names the key, the bad value and the fix, because the person reading it is
running `pulumi preview` in a pipeline log, far from this code.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, TypeVar

from taskhub.app_service_plans import PRODUCTION_SLOT, PlanFamily, max_slots, plan_family
from taskhub.classic import function_name_problem
from taskhub.errors import DurableDeployError
from taskhub.flex import (
    DEFAULT_INSTANCE_MEMORY_MB,
    DEFAULT_MAXIMUM_INSTANCES,
    INSTANCE_MEMORY_MB,
    MAXIMUM_INSTANCES,
    SiteUpdateStrategy,
    always_ready_name_problem,
    rolling_update_versioning_problem,
)
from taskhub.hostjson import DEFAULT_DURABLE_SETTING, DurableSettings
from taskhub.hubs import DEFAULT_TRACKING_PREFIX, hub_name_problem
from taskhub.routes import major_minor
from taskhub.versions import FailureStrategy, MatchStrategy, parse_strategy

E = TypeVar("E", bound=StrEnum)

NAMESPACE = "durable-zero-downtime"

RUNTIME_VERSIONS = {
    "python": "3.11",
    "dotnet-isolated": "8.0",
    "node": "20",
    "java": "17",
    "powershell": "7.4",
}
_APP_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,58}[a-z0-9]")
_SLOT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,38}")
_STORAGE_PREFIX = re.compile(r"[a-z0-9]{3,16}")


class Strategy(StrEnum):
    VERSIONING = "versioning"
    SLOTS = "slots"
    ROUTING = "routing"


class SlotMode(StrEnum):
    ACCOUNTS = "accounts"
    """A durable storage account per slot (the documented default)."""
    HUBS = "hubs"
    """One durable account, a distinct task hub name per slot."""


class Connection(StrEnum):
    IDENTITY = "identity"
    CONNECTION_STRING = "connectionString"


class ConfigError(DurableDeployError, ValueError):
    def __init__(self, key: str, value: Any, problem: str, fix: str) -> None:
        self.key = f"{NAMESPACE}:{key}"
        super().__init__(f"{self.key} = {value!r}: {problem}. Fix: {fix}")


@dataclass(frozen=True)
class VersioningConfig:
    default_version: str | None = None
    match_strategy: MatchStrategy | None = None
    failure_strategy: FailureStrategy | None = None
    classic: tuple[tuple[str, str], ...] = ()
    """Classic form: (orchestrator, current versioned function name) pairs."""


@dataclass(frozen=True)
class SlotConfig:
    name: str
    hub_name: str
    storage_account: str


@dataclass(frozen=True)
class RoutingConfig:
    """One function app per major.minor; all share one tracking store and prefix."""

    versions: tuple[str, ...]
    tracking_prefix: str = DEFAULT_TRACKING_PREFIX


@dataclass(frozen=True)
class FlexConfig:
    """`functionAppConfig` of a Flex Consumption app (see taskhub/flex.py for the sources)."""

    maximum_instance_count: int = DEFAULT_MAXIMUM_INSTANCES
    instance_memory_mb: int = DEFAULT_INSTANCE_MEMORY_MB
    always_ready: tuple[tuple[str, int], ...] = ()
    # The platform's default is Recreate; for Durable apps we default to RollingUpdate,
    # which keeps in-progress executions alive (versioning settings then become mandatory).
    site_update_strategy: SiteUpdateStrategy = SiteUpdateStrategy.ROLLING_UPDATE


@dataclass(frozen=True)
class AppConfig:
    app_name: str
    runtime: str
    runtime_version: str
    plan_sku: str
    strategy: Strategy
    connection: Connection
    durable_setting: str
    hub_name: str
    storage_prefix: str
    slot_mode: SlotMode
    slots: tuple[SlotConfig, ...]
    sticky_settings: tuple[str, ...] = ()
    versioning: VersioningConfig = VersioningConfig()
    host_json_schema: str = "2"
    tags: dict[str, str] = field(default_factory=dict)
    routing: RoutingConfig | None = None
    flex: FlexConfig | None = None
    """Set exactly when the plan is Flex Consumption (FC1)."""

    @property
    def plan_family(self) -> PlanFamily:
        return plan_family(self.plan_sku)

    @property
    def runtime_storage_account(self) -> str:
        return f"{self.storage_prefix}rt"


def _text(values: Mapping[str, Any], key: str, default: str | None = None) -> str:
    value = values.get(key, default)
    if value is None:
        raise ConfigError(key, None, "is required", f"pulumi config set {NAMESPACE}:{key} <value>")
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(key, value, "must be a non-empty string", "set it to a string")
    return value.strip()


def _object(values: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    value = values.get(key) or {}
    if not isinstance(value, Mapping):
        raise ConfigError(
            key,
            value,
            "must be an object",
            f"set it with `pulumi config set --path {NAMESPACE}:{key}.<field> ...`",
        )
    return value


def _block(values: Mapping[str, Any], key: str) -> Mapping[str, Any]:
    """An object key whose fields are `FIELDS[key]`: a misspelt field is refused, not ignored."""
    block = _object(values, key)
    known = FIELDS[key]
    if unknown := set(block) - set(known):
        raise ConfigError(
            key, dict(block), f"unknown field(s) {sorted(unknown)}", f"use {', '.join(known)}"
        )
    return block


def _choice(
    values: Mapping[str, Any], key: str, kind: type[E], default: E, *, block: str = ""
) -> E:
    raw = values.get(key, default.value)
    try:
        return kind(raw)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise ConfigError(
            f"{block}{key}", raw, f"is not one of {allowed}", f"use one of {allowed}"
        ) from None


def _integer(block: Mapping[str, Any], key: str, default: int) -> int:
    value = block.get(key, default)
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ConfigError(f"flex.{key}", value, "must be a whole number", "set a number")
    return value


def _hub(key: str, name: str) -> str:
    problem = hub_name_problem(name)
    if problem:
        raise ConfigError(
            key, name, problem, "use 3 to 45 letters and digits, starting with a letter"
        )
    return name


def _storage_name(prefix: str, suffix: str) -> str:
    return f"{prefix}{suffix}"[:24]


def _versioning(values: Mapping[str, Any]) -> VersioningConfig:
    block = _block(values, "versioning")
    result: dict[str, Any] = {}
    default_version = block.get("defaultVersion")
    if default_version is not None:
        if not isinstance(default_version, str) or "%" in default_version:
            raise ConfigError(
                "versioning.defaultVersion",
                default_version,
                "must be a literal string (defaultVersion does not resolve %AppSetting%)",
                'set a literal version such as "2.0"',
            )
        result["default_version"] = default_version
    for key, kind, attr in (
        ("versionMatchStrategy", MatchStrategy, "match_strategy"),
        ("versionFailureStrategy", FailureStrategy, "failure_strategy"),
    ):
        if key in block:
            try:
                result[attr] = parse_strategy(kind, str(block[key]))
            except ValueError as exc:
                allowed = ", ".join(m.value for m in kind)
                raise ConfigError(
                    f"versioning.{key}", block[key], str(exc), f"use one of {allowed}"
                ) from None
    classic = block.get("classic") or {}
    if not isinstance(classic, Mapping):
        raise ConfigError(
            "versioning.classic",
            classic,
            "must map orchestrator names to their current function names",
            '{"ProcessOrder": "ProcessOrder_V2"}',
        )
    for name, function in classic.items():
        if problem := function_name_problem(str(name)) or function_name_problem(str(function)):
            raise ConfigError("versioning.classic", dict(classic), problem, "use function names")
    result["classic"] = tuple((str(k), str(v)) for k, v in sorted(classic.items()))
    return VersioningConfig(**result)


def _routing(values: Mapping[str, Any]) -> RoutingConfig:
    block = _block(values, "routing")
    versions = block.get("versions")
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
    prefix = str(block.get("trackingPrefix", DEFAULT_TRACKING_PREFIX))
    if hub_name_problem(prefix):
        raise ConfigError(
            "routing.trackingPrefix",
            prefix,
            "is not a valid table prefix",
            "use letters and digits, starting with a letter",
        )
    limit = int(block.get("maxFunctionApps", 100))
    if len(versions) + 1 > limit:
        raise ConfigError(
            "routing.versions",
            versions,
            f"{len(versions)} version apps and the router exceed maxFunctionApps {limit}",
            "retire drained versions first",
        )
    return RoutingConfig(tuple(str(v) for v in versions), prefix)


def _flex(values: Mapping[str, Any], family: PlanFamily) -> FlexConfig | None:
    block = _block(values, "flex")
    if family is not PlanFamily.FLEX_CONSUMPTION:
        if block:
            raise ConfigError(
                "flex", dict(block), "applies to Flex Consumption only", "remove it, or use FC1"
            )
        return None
    low, high = MAXIMUM_INSTANCES
    count = _integer(block, "maximumInstanceCount", DEFAULT_MAXIMUM_INSTANCES)
    if not low <= count <= high:
        raise ConfigError(
            "flex.maximumInstanceCount",
            count,
            f"Flex Consumption allows {low} to {high}",
            f"set a value from {low} to {high}",
        )
    memory = _integer(block, "instanceMemoryMB", DEFAULT_INSTANCE_MEMORY_MB)
    if memory not in INSTANCE_MEMORY_MB:
        sizes = ", ".join(map(str, INSTANCE_MEMORY_MB))
        raise ConfigError(
            "flex.instanceMemoryMB", memory, f"is not one of {sizes}", f"use one of {sizes}"
        )
    ready = block.get("alwaysReady") or {}
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
    return FlexConfig(
        maximum_instance_count=count,
        instance_memory_mb=memory,
        always_ready=tuple(sorted((str(k), int(v)) for k, v in ready.items())),
        site_update_strategy=_choice(
            block,
            "siteUpdateStrategy",
            SiteUpdateStrategy,
            SiteUpdateStrategy.ROLLING_UPDATE,
            block="flex.",
        ),
    )


def _check_flex_fits(
    flex: FlexConfig, strategy: Strategy, versioning: VersioningConfig, schema: str
) -> None:
    """What Flex Consumption cannot do, refused before a plan is declared."""
    if schema == "1":
        raise ConfigError(
            "hostJsonSchema", schema, "Flex Consumption runs Functions 4.x only", 'use "2"'
        )
    if flex.site_update_strategy is not SiteUpdateStrategy.ROLLING_UPDATE:
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


def _slot_configs(
    names: tuple[str, ...], mode: SlotMode, hub_name: str, prefix: str
) -> tuple[SlotConfig, ...]:
    """Accounts mode: one durable account per slot, one hub name. Hubs mode: the reverse."""
    configs = []
    for name in names:
        word = re.sub(r"[^A-Za-z0-9]", "", name)
        if mode is SlotMode.ACCOUNTS:
            suffix = "dprod" if name == PRODUCTION_SLOT else f"d{word}"
            configs.append(SlotConfig(name, hub_name, _storage_name(prefix, suffix)))
        else:
            hub = (
                hub_name
                if name == PRODUCTION_SLOT
                else _hub("hubName", f"{hub_name}{word.capitalize()}"[:45])
            )
            configs.append(SlotConfig(name, hub, _storage_name(prefix, "durable")))
    pairs = {(c.storage_account, c.hub_name) for c in configs}
    if len(pairs) < len(configs):
        raise ConfigError(
            "slots.names",
            list(names[1:]),
            "two slots map to one durable account and hub (names cut to fit 24 characters)",
            "use shorter or more distinct slot names, or a shorter storagePrefix",
        )
    return tuple(configs)


def load(values: Mapping[str, Any]) -> AppConfig:
    """Validate a stack's config (keys without the namespace) into an AppConfig."""
    app_name = _text(values, "appName")
    if not _APP_NAME.fullmatch(app_name):
        raise ConfigError(
            "appName",
            app_name,
            "is not a valid function app name",
            "use 2 to 60 lower-case letters, digits and hyphens",
        )
    runtime = _text(values, "runtime", "python")
    if runtime not in RUNTIME_VERSIONS:
        raise ConfigError(
            "runtime",
            runtime,
            "is not a supported worker runtime",
            f"use one of {', '.join(RUNTIME_VERSIONS)}",
        )
    plan_sku = _text(values, "planSku", "EP1")
    try:
        family = plan_family(plan_sku)
    except ValueError as exc:
        raise ConfigError("planSku", plan_sku, str(exc), "pick a listed SKU") from None
    strategy = _choice(values, "strategy", Strategy, Strategy.SLOTS)
    flex = _flex(values, family)
    if flex is not None and strategy is Strategy.SLOTS:
        raise ConfigError(
            "strategy",
            strategy.value,
            "Flex Consumption (FC1) has no deployment slots",
            "use strategy: versioning (one app, rolled out in place) or strategy: routing "
            "(one Flex app per version), or an Elastic Premium plan for slots",
        )
    hub_name = _hub("hubName", _text(values, "hubName", re.sub(r"[^A-Za-z0-9]", "", app_name)))
    storage_prefix = _text(values, "storagePrefix", re.sub(r"[^a-z0-9]", "", app_name)[:16])
    if not _STORAGE_PREFIX.fullmatch(storage_prefix):
        raise ConfigError(
            "storagePrefix",
            storage_prefix,
            "must be 3 to 16 lower-case letters and digits (storage account names are global)",
            "pick a unique prefix",
        )
    durable_setting = _text(values, "durableSetting", DEFAULT_DURABLE_SETTING)
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", durable_setting) or "__" in durable_setting:
        raise ConfigError(
            "durableSetting",
            durable_setting,
            "is not a valid app setting name",
            "use letters, digits and single underscores",
        )

    slots_block = _block(values, "slots")
    names = slots_block.get("names", ["staging"] if strategy is Strategy.SLOTS else [])
    if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
        raise ConfigError("slots.names", names, "must be a list of slot names", 'e.g. ["staging"]')
    for name in names:
        if name == PRODUCTION_SLOT or not _SLOT_NAME.fullmatch(name):
            raise ConfigError(
                "slots.names",
                names,
                f"{name!r} is not a valid staging slot name",
                "use lower-case letters, digits and hyphens; production is implicit",
            )
    if len(set(names)) != len(names):
        raise ConfigError("slots.names", names, "lists a slot twice", "list each slot once")
    if strategy is Strategy.SLOTS and not names:
        raise ConfigError(
            "slots.names", names, "the slots strategy needs a staging slot", 'add "staging"'
        )
    if names and flex is not None:
        raise ConfigError(
            "slots.names",
            names,
            "Flex Consumption has no deployment slots",
            "remove slots.names; new versions roll out in place",
        )
    if names and len(names) + 1 > max_slots(plan_sku):
        raise ConfigError(
            "slots.names",
            names,
            f"plan {plan_sku} allows {max_slots(plan_sku)} slots including production",
            "remove slots or choose a larger plan",
        )
    slot_mode = _choice(slots_block, "mode", SlotMode, SlotMode.ACCOUNTS)
    slots = _slot_configs((PRODUCTION_SLOT, *names), slot_mode, hub_name, storage_prefix)
    sticky = tuple(str(n) for n in slots_block.get("stickySettings", []))
    durable_names = DurableSettings(hub_name, durable_setting).state_setting_names()
    if clash := sorted(set(sticky) & durable_names):
        raise ConfigError(
            "slots.stickySettings",
            list(sticky),
            f"{clash} carry durable state, which must travel with the code on a swap",
            "remove them",
        )
    schema = _text(values, "hostJsonSchema", "2")
    if schema not in ("1", "2"):
        raise ConfigError("hostJsonSchema", schema, "must be 1 or 2", 'use "2" (Functions 2.x+)')
    versioning = _versioning(values)
    if schema == "1" and versioning != VersioningConfig():
        raise ConfigError(
            "hostJsonSchema",
            schema,
            "Functions 1.x has no orchestration versioning",
            'use "2", or remove the versioning block',
        )
    if flex is not None:
        _check_flex_fits(flex, strategy, versioning, schema)
    tags = _object(values, "tags")
    return AppConfig(
        app_name=app_name,
        runtime=runtime,
        runtime_version=_text(values, "runtimeVersion", RUNTIME_VERSIONS[runtime]),
        plan_sku=plan_sku,
        strategy=strategy,
        connection=_choice(values, "connection", Connection, Connection.IDENTITY),
        durable_setting=durable_setting,
        hub_name=hub_name,
        storage_prefix=storage_prefix,
        slot_mode=slot_mode,
        slots=slots,
        sticky_settings=sticky,
        versioning=versioning,
        host_json_schema=schema,
        tags={str(k): str(v) for k, v in tags.items()},
        routing=_routing(values) if strategy is Strategy.ROUTING else None,
        flex=flex,
    )


FIELDS: dict[str, tuple[str, ...]] = {
    "slots": ("names", "mode", "stickySettings"),
    "versioning": ("defaultVersion", "versionMatchStrategy", "versionFailureStrategy", "classic"),
    "routing": ("versions", "trackingPrefix", "maxFunctionApps"),
    "flex": ("siteUpdateStrategy", "maximumInstanceCount", "instanceMemoryMB", "alwaysReady"),
}
"""The fields of each object key; `accepted_keys` and the README's config table list them."""

STACK_KEYS = (
    "appName",
    "runtime",
    "runtimeVersion",
    "planSku",
    "strategy",
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
)


def accepted_keys() -> list[str]:
    """Every key a stack may set, nested fields as `block.field`: what the README documents."""
    return [
        key
        for top in STACK_KEYS
        for key in ([f"{top}.{field}" for field in FIELDS[top]] if top in FIELDS else [top])
    ]


def from_pulumi() -> AppConfig:
    """Read and validate the current stack's config."""
    import json

    import pulumi

    config = pulumi.Config(NAMESPACE)
    values: dict[str, Any] = {}
    for key in STACK_KEYS:
        raw = config.get(key)
        if raw is not None:
            values[key] = json.loads(raw) if raw.lstrip()[:1] in ("{", "[") else raw
    return load(values)
