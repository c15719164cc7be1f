"""Routing-group rules: apps that share a tracking store must not share anything else."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policies.durable_settings import TRACKING_PREFIX, storage_target, tracking_connection_name
from policies.model import App, Finding, Site
from policies.slots import storage_hub
from policies.task_hubs import shared_hubs
from taskhub.hubs import DEFAULT_TRACKING_PREFIX

LIMIT_DEFAULT = 100


def _sites(apps: Mapping[str, App]) -> list[Site]:
    return [site for app in apps.values() for site in app.sites.values()]


def tracking_store(apps: Mapping[str, App], _config: Mapping[str, Any]) -> Iterator[Finding]:
    group: list[Site] = []
    for site in _sites(apps):
        prefix, tracking = (
            site.settings.get(TRACKING_PREFIX),
            tracking_connection_name(site.settings),
        )
        if prefix and not tracking:
            yield (
                f"{site.label}: trackingStoreNamePrefix {prefix!r} is set without "
                "trackingStoreConnectionName; the runtime ignores the prefix",
                site.urn,
            )
        elif tracking:
            group.append(site)
    if not group:
        return
    targets = {
        (
            storage_target(s.settings, tracking_connection_name(s.settings)),
            s.settings.get(TRACKING_PREFIX) or DEFAULT_TRACKING_PREFIX,
        )
        for s in group
    }
    if len(targets) > 1:
        yield (
            f"routing group apps use different tracking stores {sorted(map(str, targets))}; "
            "they must share one account and one prefix",
            group[-1].urn,
        )
    for shared in shared_hubs((site, *hub) for site in group if (hub := storage_hub(site))):
        apps_sharing = sorted({s.app for s in shared.sites})
        if len(apps_sharing) > 1:
            yield (
                f"apps {', '.join(apps_sharing)} share durable account "
                f"{shared.where or '(unidentified)'} and hub {shared.hub}: their "
                "scheduling queues would mix versions",
                shared.sites[-1].urn,
            )


def function_app_limit(apps: Mapping[str, App], config: Mapping[str, Any]) -> list[Finding]:
    limit = int(config.get("maxFunctionApps", LIMIT_DEFAULT))
    function_apps = [a for a in apps.values() if a.is_function_app]
    if len(function_apps) > limit:
        return [
            (
                f"{len(function_apps)} function apps in this stack; the subscription default "
                f"limit is {limit}",
                next(iter(function_apps[-1].sites.values())).urn,
            )
        ]
    return []
