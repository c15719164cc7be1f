"""A stack's config, validated key by key into an AppConfig before anything is declared."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from components.config import app
from components.config.flex import check_flex_fits, flex
from components.config.keys import STACK_KEYS
from components.config.model import NAMESPACE, AppConfig, Strategy
from components.config.routing import routing
from components.config.scheduler import backend, scheduler
from components.config.slots import (
    durable_settings_of,
    slot_configs,
    slot_mode,
    slot_names,
    sticky_settings,
)
from components.config.versioning import versioning
from taskhub.hostjson import DEFAULT_DURABLE_SETTING
from taskhub.scheduler_settings import DEFAULT_CONNECTION_SETTING, Backend

_DURABLE_SETTING = {
    Backend.AZURE_STORAGE: DEFAULT_DURABLE_SETTING,
    Backend.DURABLE_TASK_SCHEDULER: DEFAULT_CONNECTION_SETTING,
}


def load(values: Mapping[str, Any]) -> AppConfig:
    """Validate a stack's config (keys without the namespace) into an AppConfig.

    Keys are read in an order where each validator has what it depends on (the plan before
    the strategy, the backend before the slots), so the first bad key is the one named.
    """
    app_name = app.app_name(values)
    runtime, runtime_version = app.runtime(values)
    plan_sku, family = app.plan_sku(values)
    flex_config = flex(values, family)
    strategy = app.strategy(values, flex_config)
    chosen = backend(values, strategy)
    hub_name = app.hub_name(values, app_name)
    storage_prefix = app.storage_prefix(values, app_name)
    durable_setting = app.durable_setting(values, _DURABLE_SETTING[chosen])
    names = slot_names(values, strategy, flex_config, plan_sku)
    mode = slot_mode(values, chosen)
    slots = slot_configs(names, mode, hub_name, storage_prefix, chosen)
    sticky = sticky_settings(values, durable_settings_of(chosen, hub_name, durable_setting))
    versions = versioning(values)
    schema = app.host_json_schema(values, versions)
    if flex_config is not None:
        check_flex_fits(flex_config, strategy, versions, schema)
    return AppConfig(
        app_name=app_name,
        runtime=runtime,
        runtime_version=runtime_version,
        plan_sku=plan_sku,
        strategy=strategy,
        connection=app.connection(values),
        durable_setting=durable_setting,
        hub_name=hub_name,
        storage_prefix=storage_prefix,
        slot_mode=mode,
        slots=slots,
        sticky_settings=sticky,
        versioning=versions,
        host_json_schema=schema,
        tags=app.tags(values),
        routing=routing(values) if strategy is Strategy.ROUTING else None,
        flex=flex_config,
        scheduler=scheduler(values, chosen, schema),
    )


def from_pulumi() -> AppConfig:
    """Read and validate the current stack's config."""
    import pulumi

    config = pulumi.Config(NAMESPACE)
    values: dict[str, Any] = {}
    for key in STACK_KEYS:
        raw = config.get(key)
        if raw is not None:
            values[key] = json.loads(raw) if raw.lstrip()[:1] in ("{", "[") else raw
    return load(values)
