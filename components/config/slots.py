"""The `slots` key: staging slots, where each slot keeps its durable state, sticky settings.

Each slot needs its own task hub: on Azure Storage a durable account per slot (`accounts`)
or one account and a hub name per slot (`hubs`); on the Durable Task Scheduler a task hub
resource per slot on the app's scheduler, named as in `hubs` mode.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from components.config.model import ConfigError, FlexConfig, SlotConfig, SlotMode, Strategy
from components.config.readers import block, choice, hub
from taskhub.app_service_plans import PRODUCTION_SLOT, max_slots
from taskhub.hostjson import DurableSettings
from taskhub.scheduler_settings import Backend, SchedulerSettings

_SLOT_NAME = re.compile(r"[a-z0-9][a-z0-9-]{0,38}")


def slot_names(
    values: Mapping[str, Any], strategy: Strategy, flex: FlexConfig | None, plan_sku: str
) -> tuple[str, ...]:
    """The staging slots; production is implicit."""
    found = block(values, "slots")
    names = found.get("names", ["staging"] if strategy is Strategy.SLOTS else [])
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
    return tuple(names)


def slot_mode(values: Mapping[str, Any], backend: Backend) -> SlotMode:
    found = block(values, "slots")
    if backend is Backend.DURABLE_TASK_SCHEDULER and "mode" in found:
        raise ConfigError(
            "slots.mode",
            found["mode"],
            "applies to Azure Storage only; on the Durable Task Scheduler every slot gets its "
            "own task hub on the app's scheduler",
            "remove slots.mode",
        )
    return choice(found, "mode", SlotMode, SlotMode.ACCOUNTS)


def slot_configs(
    names: tuple[str, ...], mode: SlotMode, hub_name: str, prefix: str, backend: Backend
) -> tuple[SlotConfig, ...]:
    """Accounts mode: one durable account per slot, one hub name. Hubs mode and the
    scheduler: a hub name per slot (`<hubName><Slot>`), on one account or one scheduler."""
    configs = []
    for name in (PRODUCTION_SLOT, *names):
        word = re.sub(r"[^A-Za-z0-9]", "", name)
        slot_hub = (
            hub_name
            if name == PRODUCTION_SLOT
            else hub("hubName", f"{hub_name}{word.capitalize()}"[:45])
        )
        if backend is Backend.DURABLE_TASK_SCHEDULER:
            configs.append(SlotConfig(name, slot_hub, None))
        elif mode is SlotMode.ACCOUNTS:
            suffix = "dprod" if name == PRODUCTION_SLOT else f"d{word}"
            configs.append(SlotConfig(name, hub_name, _storage_name(prefix, suffix)))
        else:
            configs.append(SlotConfig(name, slot_hub, _storage_name(prefix, "durable")))
    pairs = {(c.storage_account, c.hub_name.lower()) for c in configs}
    if len(pairs) < len(configs):
        raise ConfigError(
            "slots.names",
            list(names),
            "two slots map to one durable account and hub (names cut to fit 24 characters)",
            "use shorter or more distinct slot names, or a shorter storagePrefix",
        )
    return tuple(configs)


def sticky_settings(values: Mapping[str, Any], durable: DurableSettings) -> tuple[str, ...]:
    """Settings that stay with a slot on a swap: none may carry durable state."""
    sticky = tuple(str(n) for n in block(values, "slots").get("stickySettings", []))
    if clash := sorted(set(sticky) & durable.state_setting_names()):
        raise ConfigError(
            "slots.stickySettings",
            list(sticky),
            f"{clash} carry durable state, which must travel with the code on a swap",
            "remove them",
        )
    return sticky


def durable_settings_of(backend: Backend, hub_name: str, setting: str) -> DurableSettings:
    """The settings whose names carry a slot's durable state (for the sticky check)."""
    if backend is Backend.DURABLE_TASK_SCHEDULER:
        return SchedulerSettings(hub_name, setting)
    return DurableSettings(hub_name, setting)


def _storage_name(prefix: str, suffix: str) -> str:
    return f"{prefix}{suffix}"[:24]
