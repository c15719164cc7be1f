"""How the Functions host resolves `%NAME%` in host.json's `hubName`, read from app settings.

The documented way to give each slot its own task hub (and the Durable Task Scheduler
templates' default, `%TASKHUB_NAME%`) is a `hubName` that names an app setting. Whoever
judges hubs from app settings must resolve it exactly as the host does, or two slots whose
hubs differ look alike ("%TASKHUB_NAME%" twice) and two that share one look apart.

The rule, read from the sources:
- azure-functions-durable-extension `Options/DurableTaskOptions.cs`
  `ResolveAppSettingOptions`: `nameResolver.TryResolveWholeString(options.HubName, ...)`;
  when it fails the hub name stays as written (`%...%` is then no valid hub name).
- azure-webjobs-sdk `NameResolverExtensions.ResolveWholeStringCore`: every `%name%` in the
  string is replaced (text around and between them stays); a `%` without a closing `%`, or
  a name that resolves to null, fails the whole string.
- azure-webjobs-sdk `DefaultNameResolver.Resolve` (the host's `INameResolver`,
  `WebJobsServiceCollectionExtensions.AddWebJobs`): null or empty name -> null, else
  `IConfiguration[name]`. .NET configuration keys are case-insensitive, and the
  environment-variable provider turns `__` in a variable's name into `:`, so the app
  setting `A__B` answers `%A:B%`, never `%A__B%` (dotnet/runtime
  `EnvironmentVariablesConfigurationProvider`). An app setting set to "" resolves to "".
- Variables the platform sets (`WEBSITE_SITE_NAME`, `WEBSITE_SLOT_NAME`, ...) are in the
  configuration too, with values app settings do not show: such a name is "unknown here",
  not "unresolvable".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from taskhub.configuration import config_key

PLATFORM_PREFIX = "WEBSITE_"
"""App Service sets `WEBSITE_*` variables itself (site name, slot name, instance id, ...)."""
_MARK = "%"


@dataclass(frozen=True)
class Resolved:
    """The host's value. Compare hubs with `key`: storage and the scheduler ignore case."""

    value: str

    @property
    def key(self) -> str:
        return self.value.lower()


@dataclass(frozen=True)
class Unresolvable:
    """The host keeps the value as written, and no task hub has such a name."""

    value: str
    reason: str


@dataclass(frozen=True)
class Unknown:
    """A value this judge cannot see: unknown until deployed, or set by the platform."""

    value: str
    reason: str


Resolution = Resolved | Unresolvable | Unknown


def references(value: str) -> list[str]:
    """The setting names `%name%` tokens in `value` refer to, in order (closed tokens only)."""
    names, rest = [], value
    while (start := rest.find(_MARK)) >= 0 and (end := rest.find(_MARK, start + 1)) >= 0:
        names.append(rest[start + 1 : end])
        rest = rest[end + 1 :]
    return names


def resolve(value: str, settings: Mapping[str, object]) -> Resolution:
    """`value` with every `%name%` replaced from `settings`, as the host's resolver does.

    A setting whose value is None is present but unknown (a preview does not know it yet).
    """
    keyed = {config_key(name): item for name, item in settings.items()}
    out: list[str] = []
    rest = value
    while (start := rest.find(_MARK)) >= 0:
        end = rest.find(_MARK, start + 1)
        if end < 0:
            return Unresolvable(
                value, f"the '%' at position {len(value) - len(rest) + start} has no closing '%'"
            )
        name = rest[start + 1 : end]
        key = name.lower()
        if not name:
            return Unresolvable(value, "'%%' names no setting")
        if key not in keyed:
            if key.startswith(PLATFORM_PREFIX.lower()):
                return Unknown(value, f"%{name}% is set by the platform, not by app settings")
            hint = (
                f" (the app setting {name} is the configuration key {name.replace('__', ':')}; "
                f"write %{name.replace('__', ':')}%)"
                if "__" in name and config_key(name) in keyed
                else ""
            )
            return Unresolvable(value, f"no app setting {name}{hint}")
        item = keyed[key]
        if item is None:
            return Unknown(value, f"the value of {name} is not known yet")
        if not isinstance(item, str):
            return Unknown(value, f"{name} is not a plain string here")
        out += [rest[:start], item]
        rest = rest[end + 1 :]
    return Resolved("".join(out) + rest)
