"""A view of a stack's resources as apps and their slots, whichever way settings arrive.

Programs set app settings either inline (`siteConfig.appSettings` on WebApp/WebAppSlot)
or with `WebAppApplicationSettings[Slot]` resources; rules only see the merged result.
Rules judge any program's resources, not only those our components declare.

In a preview many values are not known yet. A setting whose value is unknown stays in a
site's settings with the value None ("set, value unknown"), so a rule can tell it from a
setting that is missing. Which resources feed which property (the engine's
`propertyDependencies`) is kept too: it links a role assignment to the site whose identity
it names, or an app setting to the scheduler whose endpoint it carries, before any id is
known.
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
SCHEDULER = "azure-native:durabletask:Scheduler"
TASK_HUB = "azure-native:durabletask:TaskHub"
ROLE_ASSIGNMENT = "azure-native:authorization:RoleAssignment"
ROLE_DEFINITION = "azure-native:authorization:RoleDefinition"
RESOURCE_GROUP = "azure-native:resources:ResourceGroup"
DURABLE_PREFIX = override_setting("")


Finding = tuple[str, str]
"""(message, urn of the resource to blame)."""

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


def _is_unknown(mapping: Mapping[str, Any], key: str) -> bool:
    try:
        value = mapping[key]
    except proxy.UnknownValueError:
        return True
    return isinstance(value, str) and value in _UNKNOWN


def _unknown_settings(type_: str, props: Mapping[str, Any]) -> frozenset[str]:
    """Names of a settings resource's app settings whose values are not known yet."""
    if type_ not in (APP_SETTINGS, APP_SETTINGS_SLOT) or _is_unknown(props, "properties"):
        return frozenset()
    properties = props.get("properties")
    if not isinstance(properties, Mapping):
        return frozenset()
    return frozenset(str(k) for k in list(properties.keys()) if _is_unknown(properties, k))


@dataclass(frozen=True)
class Resource:
    type: str
    name: str
    props: Mapping[str, Any]
    urn: str = ""
    dependencies: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Property name -> URNs of the resources whose outputs feed it."""
    unknown_settings: frozenset[str] = frozenset()
    """App settings of a settings resource whose values a preview does not know yet."""


def observe(
    type_: str,
    name: str,
    props: Mapping[str, Any],
    urn: str = "",
    dependencies: Mapping[str, tuple[str, ...]] | None = None,
) -> Resource:
    """A resource as the rules see it: known values, unknown settings marked, dependencies."""
    return Resource(
        type_, name, known(props), urn, dict(dependencies or {}), _unknown_settings(type_, props)
    )


@dataclass
class Site:
    app: str
    slot: str
    urn: str
    props: Mapping[str, Any]
    settings: dict[str, Any] = field(default_factory=dict)
    """App settings; None is a setting whose value is not known yet."""
    feeds: set[str] = field(default_factory=set)
    """URNs of the resources whose outputs flow into the site's app settings."""

    @property
    def label(self) -> str:
        return self.app if self.slot == PRODUCTION_SLOT else f"{self.app}/{self.slot}"

    @property
    def is_flex(self) -> bool:
        """Only Flex Consumption sites carry `functionAppConfig` (Microsoft.Web 2023-12-01+)."""
        return is_flex_site(self.props)

    @property
    def has_system_identity(self) -> bool:
        identity = self.props.get("identity")
        kind = identity.get("type") if isinstance(identity, Mapping) else None
        return isinstance(kind, str) and "systemassigned" in kind.replace(" ", "").lower()

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


class Stack(dict[str, App]):
    """The stack's apps by name, and every resource as the pack saw it."""

    def __init__(self, apps: Mapping[str, App], resources: Iterable[Resource]) -> None:
        super().__init__(apps)
        self.resources = tuple(resources)
        self.by_urn = {r.urn: r for r in self.resources if r.urn}

    def of_type(self, type_: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_]


def build_apps(resources: Iterable[Resource]) -> Stack:
    resources = list(resources)
    apps: dict[str, App] = {}

    def app(name: str) -> App:
        return apps.setdefault(name, App(name))

    for r in resources:
        if r.type in (WEB_APP, WEB_APP_SLOT):
            slot = _slot_name(r, WEB_APP_SLOT)
            site = Site(_app_name(r), slot, r.urn, r.props, inline_settings(r.props))
            site.feeds.update(r.dependencies.get("siteConfig", ()))
            app(site.app).sites[slot] = site
    for r in resources:
        if r.type in (APP_SETTINGS, APP_SETTINGS_SLOT):
            slot = _slot_name(r, APP_SETTINGS_SLOT)
            target = app(_app_name(r)).sites.setdefault(slot, Site(_app_name(r), slot, r.urn, {}))
            properties = r.props.get("properties") or {}
            target.settings.update(dict.fromkeys(r.unknown_settings))
            target.settings.update(properties if isinstance(properties, Mapping) else {})
            target.feeds.update(r.dependencies.get("properties", ()))
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
    return Stack(apps, resources)
