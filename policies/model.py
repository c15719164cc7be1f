"""A view of a stack's resources as apps and their slots, whichever way settings arrive.

Programs set app settings either inline (`siteConfig.appSettings` on WebApp/WebAppSlot)
or with `WebAppApplicationSettings[Slot]` resources; rules only see the merged result.
Rules judge any program's resources, not only those our components declare.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import proxy

from taskhub.app_service_plans import PRODUCTION_SLOT, PlanFamily, plan_family
from taskhub.flex import PLATFORM_DEFAULT_UPDATE, SiteUpdateStrategy
from taskhub.hostjson import override_setting

WEB_APP = "azure-native:web:WebApp"
WEB_APP_SLOT = "azure-native:web:WebAppSlot"
APP_SETTINGS = "azure-native:web:WebAppApplicationSettings"
APP_SETTINGS_SLOT = "azure-native:web:WebAppApplicationSettingsSlot"
STICKY_NAMES = "azure-native:web:WebAppSlotConfigurationNames"
PLAN = "azure-native:web:AppServicePlan"
STORAGE_ACCOUNT = "azure-native:storage:StorageAccount"
DURABLE_PREFIX = override_setting("")


_UNKNOWN = {v for k, v in vars(proxy).items() if k.startswith("UNKNOWN_") and isinstance(v, str)}


def known(value: Any) -> Any:
    """A plain copy of `value` without the parts a preview does not know yet.

    Rules then judge what is known instead of giving up on the whole resource; an
    unknown value is simply absent.
    """
    if isinstance(value, Mapping):
        plain = {}
        for key in list(value.keys()):
            try:
                item = value[key]
            except proxy.UnknownValueError:
                continue
            if not (isinstance(item, str) and item in _UNKNOWN):
                plain[key] = known(item)
        return plain
    if isinstance(value, Sequence) and not isinstance(value, str):
        items = []
        for index in range(len(value)):
            try:
                items.append(known(value[index]))
            except proxy.UnknownValueError:
                continue
        return items
    return value


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""


@dataclass
class Site:
    app: str
    slot: str
    urn: str
    props: Mapping[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        return self.app if self.slot == PRODUCTION_SLOT else f"{self.app}/{self.slot}"

    @property
    def is_flex(self) -> bool:
        """Only Flex Consumption sites carry `functionAppConfig` (Microsoft.Web 2023-12-01+)."""
        return is_flex_site(self.props)

    @property
    def is_durable(self) -> bool:
        """Judged from its settings: some durableTask value is set as an app setting.

        host.json inside the package is out of a preview's sight; an app configured only
        there is not judged Durable.
        """
        return any(str(name).startswith(DURABLE_PREFIX) for name in self.settings)


@dataclass
class App:
    name: str
    sites: dict[str, Site] = field(default_factory=dict)
    sticky: set[str] = field(default_factory=set)
    plan_sku: str | None = None

    @property
    def is_function_app(self) -> bool:
        return any("functionapp" in str(s.props.get("kind", "")) for s in self.sites.values())

    @property
    def is_flex(self) -> bool:
        """On Flex Consumption: an FC1 plan, or (plan unknown in a preview) functionAppConfig."""
        try:
            if self.plan_sku and plan_family(self.plan_sku) is PlanFamily.FLEX_CONSUMPTION:
                return True
        except ValueError:
            pass
        return any(site.is_flex for site in self.sites.values())

    @property
    def site_update_strategy(self) -> str:
        """`functionAppConfig.siteUpdateStrategy.type`, the platform default when absent."""
        production = self.sites.get(PRODUCTION_SLOT)
        return site_update_strategy(production.props if production else {})


def is_flex_site(props: Mapping[str, Any]) -> bool:
    return isinstance(props.get("functionAppConfig"), Mapping)


def site_update_strategy(props: Mapping[str, Any]) -> str:
    config = props.get("functionAppConfig")
    update = config.get("siteUpdateStrategy") if isinstance(config, Mapping) else None
    kind = str(update.get("type") or "") if isinstance(update, Mapping) else ""
    # ARM binds enum values case-insensitively; an unknown value is passed on as written.
    known = {s.value.lower(): s.value for s in SiteUpdateStrategy}
    return known.get(kind.strip().lower(), kind) if kind else PLATFORM_DEFAULT_UPDATE.value


def inline_settings(props: Mapping[str, Any]) -> dict[str, Any]:
    site_config = props.get("siteConfig") or {}
    pairs = site_config.get("appSettings") or [] if isinstance(site_config, Mapping) else []
    return {str(p.get("name")): p.get("value") for p in pairs if isinstance(p, Mapping)}


def _app_name(resource: Resource) -> str:
    return str(resource.props.get("name") or resource.name)


def _slot_name(resource: Resource, slot_type: str) -> str:
    """A slot resource names its slot; the site (or its settings) is the production slot."""
    if resource.type == slot_type:
        return str(resource.props.get("slot") or PRODUCTION_SLOT)
    return PRODUCTION_SLOT


def _plan_sku(props: Mapping[str, Any]) -> str | None:
    sku = props.get("sku")
    return str(sku.get("name")) if isinstance(sku, Mapping) and sku.get("name") else None


def build_apps(resources: Iterable[Resource]) -> dict[str, App]:
    resources = list(resources)
    apps: dict[str, App] = {}

    def app(name: str) -> App:
        return apps.setdefault(name, App(name))

    for r in resources:
        if r.type in (WEB_APP, WEB_APP_SLOT):
            slot = _slot_name(r, WEB_APP_SLOT)
            site = Site(_app_name(r), slot, r.urn, r.props, inline_settings(r.props))
            app(site.app).sites[slot] = site
    for r in resources:
        if r.type in (APP_SETTINGS, APP_SETTINGS_SLOT):
            slot = _slot_name(r, APP_SETTINGS_SLOT)
            target = app(_app_name(r)).sites.setdefault(slot, Site(_app_name(r), slot, r.urn, {}))
            properties = r.props.get("properties") or {}
            target.settings.update(properties if isinstance(properties, Mapping) else {})
        elif r.type == STICKY_NAMES:
            app(_app_name(r)).sticky.update(r.props.get("appSettingNames") or [])
    plans = {
        str(r.props.get("name") or r.name): _plan_sku(r.props) for r in resources if r.type == PLAN
    }
    for entry in apps.values():
        production = entry.sites.get(PRODUCTION_SLOT)
        farm = str(production.props.get("serverFarmId") or "") if production else ""
        named = farm.rstrip("/").rsplit("/", 1)[-1]
        if named in plans:
            entry.plan_sku = plans[named]
        elif len(plans) == 1:
            # In a preview the plan's id is not known yet; a lone plan must be the one.
            entry.plan_sku = next(iter(plans.values()))
    return apps
