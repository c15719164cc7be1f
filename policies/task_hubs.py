"""A site's task hub as the Functions host resolves it, and the settings it comes from.

`hubName` may name app settings (`%TASKHUB_NAME%`): taskhub/name_resolver.py resolves it
the way the host does. Hubs compare case-insensitively: Azure Storage table and queue
names ignore case, and so do ARM resource names (the scheduler's task hubs).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from policies.durable_settings import HUB
from policies.model import App, Finding, Site
from taskhub.name_resolver import Resolution, Unknown, Unresolvable, references, resolve


def task_hub(settings: Mapping[str, Any]) -> Resolution | None:
    """The hub the host runs; None when hubName is no app setting (host.json or default)."""
    if HUB not in settings:
        return None
    value = settings[HUB]
    if not isinstance(value, str):
        return Unknown(str(value), "the hubName value is not known yet")
    return resolve(value, settings)


def hub_sources(settings: Mapping[str, Any]) -> set[str]:
    """The app settings hubName takes its value from (`%A:B%` comes from `A__B`)."""
    value = settings.get(HUB)
    if not isinstance(value, str):
        return set()
    return {name.replace(":", "__") for name in references(value) if name}


def hub_name_resolves(apps: Mapping[str, App], _config: Mapping[str, Any]) -> Iterator[Finding]:
    for app in apps.values():
        for site in app.sites.values():
            hub = task_hub(site.settings)
            if isinstance(hub, Unresolvable):
                yield (
                    f"{site.label}: hubName {hub.value!r} does not resolve ({hub.reason}); "
                    "the host then keeps it as written, which names no task hub",
                    site.urn,
                )


@dataclass(frozen=True)
class Shared:
    """Sites that run one task hub in one place (an account, a scheduler)."""

    where: str | None
    sites: list[Site]
    hub: str
    """The hub as the sites wrote it (`Orders / ORDERS` when they differ in case only)."""


def shared_hubs(placed: Iterable[tuple[Site, str | None, str, str]]) -> list[Shared]:
    """Groups of two or more sites from (site, where, hub key, hub as written)."""
    owners: dict[tuple[str | None, str], list[tuple[Site, str]]] = defaultdict(list)
    for site, where, key, shown in placed:
        owners[where, key].append((site, shown))
    return [
        Shared(where, [s for s, _ in group], " / ".join(dict.fromkeys(h for _, h in group)))
        for (where, _), group in owners.items()
        if len(group) > 1
    ]
