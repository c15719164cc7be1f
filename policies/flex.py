"""Flex Consumption rules: rolling updates run two code versions on one task hub.

A Flex app updates in place. With `siteUpdateStrategy` RollingUpdate the platform drains
old instances in batches while new ones start, so for a while old and new workers take
work from the same control queues; Microsoft's guidance for Durable apps is an explicit
version match strategy (azure-docs `flex-consumption-site-updates.md`, "Rolling update
strategy considerations"). The rules here judge any program's Flex apps (taskhub/flex.py
holds the shared rule and its sources).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from policies.model import App, Finding, Site
from policies.resources import DEFAULT_VERSION, MATCH
from taskhub.enums import parse_enum
from taskhub.flex import DEPRECATED_SETTINGS, SiteUpdateStrategy, rolling_update_versioning_problem
from taskhub.versions import MatchStrategy


def _rolling_durable_sites(apps: Mapping[str, App]) -> list[Site]:
    return [
        site
        for app in apps.values()
        if app.is_flex and app.site_update_strategy == SiteUpdateStrategy.ROLLING_UPDATE
        for site in app.sites.values()
        if site.is_durable
    ]


def rolling_update_versioning(
    apps: Mapping[str, App], _config: Mapping[str, Any]
) -> Iterator[Finding]:
    for site in _rolling_durable_sites(apps):
        version, match = site.settings.get(DEFAULT_VERSION), site.settings.get(MATCH)
        problem = rolling_update_versioning_problem(
            version if isinstance(version, str) else None,
            match if isinstance(match, str) else None,
        )
        if problem:
            yield (f"{site.label} (Flex Consumption, RollingUpdate): {problem}", site.urn)


def rolling_update_strict(apps: Mapping[str, App], _config: Mapping[str, Any]) -> Iterator[Finding]:
    for site in _rolling_durable_sites(apps):
        try:
            strict = parse_enum(MatchStrategy, str(site.settings.get(MATCH, "")))
        except ValueError:
            continue
        if strict is MatchStrategy.STRICT:
            yield (
                f"{site.label} (Flex Consumption, RollingUpdate): versionMatchStrategy "
                "Strict leaves in-flight instances to old workers, which the rolling update "
                "is removing; once they are gone those instances wait for a worker that "
                "never comes",
                site.urn,
            )


def settings_ignored(apps: Mapping[str, App], _config: Mapping[str, Any]) -> Iterator[Finding]:
    for app in apps.values():
        if not app.is_flex:
            continue
        for site in app.sites.values():
            if names := sorted(DEPRECATED_SETTINGS & set(site.settings)):
                yield (
                    f"{site.label} (Flex Consumption): {', '.join(names)} are replaced by "
                    "functionAppConfig or ignored on this plan",
                    site.urn,
                )
