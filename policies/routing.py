"""Routing-group rules: apps that share a tracking store must not share anything else."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from typing import Any

from policies.durable import (
    HUB,
    TRACKING_PREFIX,
    connection_name,
    storage_target,
    tracking_connection_name,
)
from policies.model import App, Site
from policies.slots import Finding
from taskhub.hubs import DEFAULT_TRACKING_PREFIX

LIMIT_DEFAULT = 100


def _sites(apps: Mapping[str, App]) -> list[Site]:
    return [site for app in apps.values() for site in app.sites.values()]


def tracking_store(apps: Mapping[str, App], _config: Mapping[str, Any]) -> list[Finding]:
    found: list[Finding] = []
    group: list[Site] = []
    for site in _sites(apps):
        prefix, tracking = (
            site.settings.get(TRACKING_PREFIX),
            tracking_connection_name(site.settings),
        )
        if prefix and not tracking:
            found.append(
                (
                    f"{site.label}: trackingStoreNamePrefix {prefix!r} is set without "
                    "trackingStoreConnectionName; the runtime ignores the prefix",
                    site.urn,
                )
            )
        elif tracking:
            group.append(site)
    if not group:
        return found
    targets = {
        (
            storage_target(s.settings, tracking_connection_name(s.settings)),
            s.settings.get(TRACKING_PREFIX) or DEFAULT_TRACKING_PREFIX,
        )
        for s in group
    }
    if len(targets) > 1:
        found.append(
            (
                f"routing group apps use different tracking stores {sorted(map(str, targets))}; "
                "they must share one account and one prefix",
                group[-1].urn,
            )
        )
    owners: dict[tuple[str | None, str | None], list[Site]] = defaultdict(list)
    for site in group:
        owners[
            (storage_target(site.settings, connection_name(site.settings)), site.settings.get(HUB))
        ].append(site)
    for (account, hub), sites in owners.items():
        apps_sharing = sorted({s.app for s in sites})
        if len(apps_sharing) > 1:
            found.append(
                (
                    f"apps {', '.join(apps_sharing)} share durable account "
                    f"{account or '(unidentified)'} and hub {hub or '(default)'}: their "
                    "scheduling queues would mix versions",
                    sites[-1].urn,
                )
            )
    return found


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
