"""Slot rules: what must differ between an app's slots, and what must not be sticky."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any

from policies.durable_settings import connection_name, storage_target
from policies.model import App, Finding, Site
from policies.scheduler_sites import durable_state_settings
from policies.task_hubs import shared_hubs, task_hub
from taskhub.app_service_plans import PlanFamily, max_slots, plan_family
from taskhub.hostjson import RUNTIME_STORAGE_SETTING
from taskhub.name_resolver import Resolved
from taskhub.scheduler_settings import uses_scheduler


def durable_setting_not_sticky(
    apps: Mapping[str, App], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    for app in apps.values():
        for site in app.sites.values():
            if clash := sorted(app.sticky & durable_state_settings(site.settings)):
                yield (
                    f"{site.label}: {', '.join(clash)} marked as slot (sticky) setting(s); "
                    "durable state must travel with the code on a swap, or new code runs "
                    "against the old task hub",
                    site.urn,
                )


def storage_hub(site: Site) -> tuple[str | None, str, str] | None:
    """(account, hub key, hub as written) of a site on Azure Storage; None when not judged.

    Not judged: sites on the scheduler (or whose backend is not known yet), and hubs that
    do not resolve to a name here (unknown until deployed, or `hub-name-resolves`).
    """
    settings = site.settings
    if uses_scheduler(settings) is not False:
        return None
    hub = task_hub(settings)
    if hub is not None and not isinstance(hub, Resolved):
        return None
    key, shown = (hub.key, hub.value) if hub else ("", "(default)")
    return storage_target(settings, connection_name(settings)), key, shown


def slots_distinct_hubs(apps: Mapping[str, App], _config: Mapping[str, Any]) -> Iterator[Finding]:
    for app in apps.values():
        placed = [(site, *hub) for site in app.sites.values() if (hub := storage_hub(site))]
        for shared in shared_hubs(placed):
            yield (
                f"{app.name}: slots {', '.join(s.slot for s in shared.sites)} share task "
                f"hub {shared.hub} on {shared.where or 'an unidentified account'}; they "
                "would steal each other's messages",
                shared.sites[-1].urn,
            )


def runtime_storage_shared(
    apps: Mapping[str, App], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    for app in apps.values():
        targets = {
            slot: storage_target(site.settings, RUNTIME_STORAGE_SETTING)
            for slot, site in app.sites.items()
        }
        known = {t for t in targets.values() if t}
        if len(known) > 1:
            yield (
                f"{app.name}: AzureWebJobsStorage differs between slots {targets}",
                next(iter(app.sites.values())).urn,
            )


def plan_supports_slots(apps: Mapping[str, App], _config: Mapping[str, Any]) -> Iterator[Finding]:
    for app in apps.values():
        if len(app.sites) < 2:
            continue
        if app.is_flex:
            # Known from the plan, or from functionAppConfig when the plan is not known yet.
            yield (
                f"{app.name}: Flex Consumption ({app.plan_sku or 'functionAppConfig'}) has "
                "no deployment slots; roll out in place (versioning) or use an app per "
                "version (routing)",
                next(iter(app.sites.values())).urn,
            )
            continue
        if not app.plan_sku:
            continue
        try:
            family, allowed = plan_family(app.plan_sku), max_slots(app.plan_sku)
        except ValueError:
            continue
        if family is not PlanFamily.FLEX_CONSUMPTION and len(app.sites) > allowed:
            yield (
                f"{app.name}: {len(app.sites)} slots on {app.plan_sku}, which allows "
                f"{allowed} including production",
                next(iter(app.sites.values())).urn,
            )


def content_share_distinct(
    apps: Mapping[str, App], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    for app in apps.values():
        if app.is_flex:
            continue  # no content share on Flex: the setting is ignored (`flex-settings-ignored`)
        shares: dict[str, list[Site]] = defaultdict(list)
        for site in app.sites.values():
            share = site.settings.get("WEBSITE_CONTENTSHARE")
            if isinstance(share, str) and share:
                shares[share.lower()].append(site)
        for share, sites in shares.items():
            if len(sites) > 1:
                yield (
                    f"{app.name}: slots {', '.join(s.slot for s in sites)} use one "
                    f"WEBSITE_CONTENTSHARE {share!r}; a deploy to one overwrites the "
                    "other's code",
                    sites[-1].urn,
                )
