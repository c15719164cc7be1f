"""Per-resource rules: hub names, versioning values, and the security baseline."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from policies.model import (
    APP_SETTINGS,
    APP_SETTINGS_SLOT,
    STORAGE_ACCOUNT,
    WEB_APP,
    WEB_APP_SLOT,
    Resource,
    inline_settings,
    is_flex_site,
    site_update_strategy,
)
from policies.task_hubs import task_hub
from taskhub.enums import parse_enum
from taskhub.flex import SiteUpdateStrategy
from taskhub.hostjson import override_setting
from taskhub.hubs import hub_name_problem
from taskhub.name_resolver import Resolved
from taskhub.scheduler_settings import resource_name_problem, uses_scheduler
from taskhub.versions import FailureStrategy, MatchStrategy

MATCH = override_setting("versionMatchStrategy")
FAILURE = override_setting("versionFailureStrategy")
DEFAULT_VERSION = override_setting("defaultVersion")
_SECRET_IN_VALUE = re.compile(r"(?i)(AccountKey=|SharedAccessSignature=|[?&]sig=)")
# The platform requires a key-based string here for the Azure Files content share.
_KEY_REQUIRED = {"WEBSITE_CONTENTAZUREFILECONNECTIONSTRING"}


def settings_of(resource: Resource) -> dict[str, Any]:
    if resource.type in (WEB_APP, WEB_APP_SLOT):
        return inline_settings(resource.props)
    if resource.type in (APP_SETTINGS, APP_SETTINGS_SLOT):
        properties = resource.props.get("properties") or {}
        return dict(properties) if isinstance(properties, Mapping) else {}
    return {}


def hub_name_valid(resource: Resource) -> list[str]:
    """The hub the host would run, resolved from this resource's own settings.

    Azure Storage names tables and queues after the hub (letters and digits); the scheduler
    names an ARM resource (letters, digits and hyphens). A `%NAME%` this resource cannot
    resolve is judged by `hub-name-resolves`, which sees every setting of the site.
    """
    settings = settings_of(resource)
    hub = task_hub(settings)
    if not isinstance(hub, Resolved):
        return []
    problem = (
        resource_name_problem("task hub", hub.value)
        if uses_scheduler(settings)
        else hub_name_problem(hub.value)
    )
    return [f"{resource.name}: {problem}"] if problem else []


def versioning_valid(resource: Resource) -> Iterator[str]:
    settings = settings_of(resource)
    for key, kind in ((MATCH, MatchStrategy), (FAILURE, FailureStrategy)):
        if key in settings:
            try:
                parse_enum(kind, str(settings[key]))
            except ValueError as exc:
                yield f"{resource.name}: {key.rsplit('__', 1)[-1]} {exc}"
    version = settings.get(DEFAULT_VERSION)
    if isinstance(version, str) and "%" in version:
        yield (
            f"{resource.name}: defaultVersion {version!r} is taken literally; "
            "defaultVersion does not resolve %AppSetting% references"
        )


def versioning_caution(resource: Resource) -> list[str]:
    if site_update_strategy(resource.props) == SiteUpdateStrategy.ROLLING_UPDATE:
        return []  # the Flex rolling-update rules judge these sites
    value = str(settings_of(resource).get(MATCH, "")).strip().lower()
    if value == "none":
        return [
            f"{resource.name}: versionMatchStrategy None lets any worker replay any "
            "version's history; in-flight instances may fail as non-deterministic"
        ]
    if value == "strict":
        return [
            f"{resource.name}: versionMatchStrategy Strict leaves older in-flight "
            "instances to old workers only; keep them running until they drain"
        ]
    return []


def security_baseline(resource: Resource) -> Iterator[str]:
    props = resource.props
    if resource.type in (WEB_APP, WEB_APP_SLOT):
        site_config = props.get("siteConfig") or {}
        if props.get("httpsOnly") is not True:
            yield f"{resource.name}: httpsOnly is not true"
        if str(site_config.get("minTlsVersion", "1.2")) < "1.2":
            yield f"{resource.name}: minTlsVersion {site_config.get('minTlsVersion')} < 1.2"
        # Flex Consumption has no FTP at all and rejects ftpsState.
        if not is_flex_site(props) and str(site_config.get("ftpsState", "")) in ("", "AllAllowed"):
            yield f"{resource.name}: ftpsState should be Disabled (or FtpsOnly)"
    if resource.type == STORAGE_ACCOUNT:
        if props.get("enableHttpsTrafficOnly") is False:
            yield f"{resource.name}: enableHttpsTrafficOnly is false"
        if str(props.get("minimumTlsVersion", "TLS1_0")) not in ("TLS1_2", "TLS1_3"):
            yield f"{resource.name}: minimumTlsVersion must be TLS1_2"
        if props.get("allowBlobPublicAccess") is not False:
            yield f"{resource.name}: allowBlobPublicAccess must be false"


def no_keys_in_settings(resource: Resource) -> list[str]:
    # Flex has no content share, so nothing there needs a key.
    exempt = set() if is_flex_site(resource.props) else _KEY_REQUIRED
    return [
        f"{resource.name}: app setting {name} holds a storage key or SAS in plain text; use an "
        "identity-based connection (<Setting>__accountName) or a Key Vault reference"
        for name, value in settings_of(resource).items()
        if name not in exempt
        and isinstance(value, str)
        and _SECRET_IN_VALUE.search(value)
        and not value.startswith("@Microsoft.KeyVault(")
    ]
