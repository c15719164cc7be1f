"""Each rule of the pack in-process: a small stack that makes it fire, and its clean twin.

The rule functions are plain; they are called here exactly as policies/pack.py calls them
(`observe`d props and property dependencies, `build_apps` for stack rules), without the
policy SDK or a process. The analyzer-protocol tests beside this file judge the same rules
through gRPC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from pulumi_policy.proxy import UNKNOWN_ARRAY_VALUE, UNKNOWN_STRING_VALUE

from policies.model import (
    APP_SETTINGS,
    PLAN,
    ROLE_ASSIGNMENT,
    SCHEDULER,
    STICKY_NAMES,
    STORAGE_ACCOUNT,
    TASK_HUB,
    WEB_APP,
    WEB_APP_SLOT,
    Resource,
    build_apps,
    observe,
)
from policies.pack import RESOURCE_RULES, STACK_RULES

STACK = {rule.name: rule for rule in STACK_RULES}
PER_RESOURCE = {rule.name: rule for rule in RESOURCE_RULES}
DURABLE = "AzureFunctionsJobHost__extensions__durableTask__"
MATCH, VERSION = DURABLE + "versionMatchStrategy", DURABLE + "defaultVersion"
ROLLING = {"siteUpdateStrategy": {"type": "RollingUpdate"}}


def resource(type_: str, name: str, props: Mapping[str, Any]) -> Resource:
    return Resource(type_, name, props, f"urn:pulumi:test::rules::{type_}::{name}")


def site(app: str, settings: Mapping[str, str], slot: str | None = None, **props: Any) -> Resource:
    """A WebApp (or, with `slot`, a WebAppSlot) with inline app settings, secure by default."""
    inputs: dict[str, Any] = {
        "name": app,
        "kind": "functionapp",
        "httpsOnly": True,
        "siteConfig": {
            "ftpsState": "Disabled",
            "minTlsVersion": "1.2",
            "appSettings": [{"name": k, "value": v} for k, v in settings.items()],
        },
    }
    if slot is None:
        return resource(WEB_APP, app, {**inputs, **props})
    return resource(WEB_APP_SLOT, f"{app}-{slot}", {**inputs, "slot": slot, **props})


def hub(account: str, name: str = "Orders", **more: str) -> dict[str, str]:
    """A slot's durable settings: its own account through `Durable`, a hub, shared runtime."""
    return {
        "AzureWebJobsStorage__accountName": "runtime",
        "Durable__accountName": account,
        DURABLE + "storageProvider__connectionName": "Durable",
        DURABLE + "hubName": name,
        **more,
    }


def two_slots(
    production: Mapping[str, str], staging: Mapping[str, str], *extra: Resource
) -> list[Resource]:
    return [site("orders", production), site("orders", staging, "staging"), *extra]


def apart(*extra: Resource) -> list[Resource]:
    """Production and staging, each with its own durable account: clean by every slot rule."""
    return two_slots(hub("ordersprod"), hub("ordersstage"), *extra)


def sticky(*names: str) -> Resource:
    return resource(STICKY_NAMES, "sticky", {"name": "orders", "appSettingNames": list(names)})


def plan(sku: str) -> Resource:
    return resource(PLAN, "plan", {"name": "plan", "sku": {"name": sku}})


def routed(app: str, account: str, hub_name: str, prefix: str = "Shared") -> Resource:
    """An app of a routing group: own queues, the group's tracking store and prefix."""
    return site(
        app,
        hub(
            account,
            hub_name,
            Tracking__accountName="tracking",
            **{
                DURABLE + "storageProvider__trackingStoreConnectionName": "Tracking",
                DURABLE + "storageProvider__trackingStoreNamePrefix": prefix,
            },
        ),
    )


def flex(settings: Mapping[str, str]) -> list[Resource]:
    return [
        site("orders-flex", {DURABLE + "hubName": "Orders", **settings}, functionAppConfig=ROLLING)
    ]


def storage(**props: Any) -> Resource:
    secure = {"enableHttpsTrafficOnly": True, "minimumTlsVersion": "TLS1_2"}
    return resource(STORAGE_ACCOUNT, "ordersdurable", {**secure, **props})


def with_setting(name: str, value: str) -> Resource:
    return site("orders", hub("ordersprod", **{name: value}))


def fed_by(resource: Resource, prop: str, *sources: Resource) -> Resource:
    """`resource` with property `prop` computed from the outputs of `sources`."""
    return replace(resource, dependencies={prop: tuple(s.urn for s in sources)})


# A slot on the Durable Task Scheduler as Microsoft's Durable Functions quickstart sets it up
# (host.json hubName "%TASKHUB_NAME%", storageProvider type "azureManaged" and
# connectionStringName "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"), written as app settings;
# the endpoint has the shape of the scheduler's `properties.endpoint`.
DTS_CONNECTION = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
ENDPOINT = "https://orders-a1b2c3.westeurope.durabletask.io"
IDENTITY: dict[str, Any] = {"identity": {"type": "SystemAssigned"}}
SUBSCRIPTION = "/subscriptions/00000000-0000-0000-0000-000000000000"
ROLE_DEFINITIONS = "providers/Microsoft.Authorization/roleDefinitions"
# azure-docs articles/role-based-access-control/built-in-roles.md (Integration).
CONTRIBUTOR = "0ad04412-c4d5-4796-b79c-f76d14c8d402"
READER = "d6a5505f-6ebb-45a4-896e-ac8274cfc0ac"
WORKER = "80d0d6b0-f522-40a4-8886-a5a11720c375"


def on_scheduler(
    hub_name: str | None,
    connection: str | None = f"Endpoint={ENDPOINT};Authentication=ManagedIdentity",
) -> dict[str, str]:
    settings = {
        "AzureWebJobsStorage__accountName": "runtime",
        DURABLE + "storageProvider__type": "azureManaged",
        DURABLE + "storageProvider__connectionStringName": DTS_CONNECTION,
        DURABLE + "hubName": "%TASKHUB_NAME%",
        DTS_CONNECTION: connection or UNKNOWN_STRING_VALUE,
    }
    return {**settings, "TASKHUB_NAME": hub_name or UNKNOWN_STRING_VALUE}


def dts_slots(production: str, staging: str, *extra: Resource, **site_props: Any) -> list[Resource]:
    return [
        site("orders", on_scheduler(production), **site_props),
        site("orders", on_scheduler(staging), "staging", **site_props),
        *extra,
    ]


def unnamed_connection() -> list[Resource]:
    """Two slots on the scheduler whose settings name no connection setting."""
    named = DURABLE + "storageProvider__connectionStringName"
    return [
        replace(
            r,
            props={
                **r.props,
                "siteConfig": {
                    "appSettings": [
                        pair
                        for pair in r.props["siteConfig"]["appSettings"]
                        if pair["name"] != named
                    ]
                },
            },
        )
        for r in dts_slots("Orders", "OrdersStaging")
    ]


def scheduler(name: str = "orders", allow: Any = ("0.0.0.0/0",)) -> Resource:
    allowlist = list(allow) if isinstance(allow, tuple) else allow
    sku = {"name": "Consumption"}
    props = {"ipAllowlist": allowlist, "sku": sku}
    return resource(
        SCHEDULER,
        f"sched-{name}",
        {"schedulerName": name, "resourceGroupName": "rg", "properties": props},
    )


def task_hub_resource(hub_name: str, scheduler_name: str = "orders") -> Resource:
    return resource(
        TASK_HUB,
        f"hub-{hub_name.lower()}",
        {"resourceGroupName": "rg", "schedulerName": scheduler_name, "taskHubName": hub_name},
    )


def hub_scope(hub_name: str, scheduler_name: str = "orders") -> str:
    return (
        f"{SUBSCRIPTION}/resourceGroups/rg/providers/Microsoft.DurableTask/schedulers/"
        f"{scheduler_name}/taskHubs/{hub_name}"
    )


def role(name: str, to: Resource, scope: str | None, role_id: str = CONTRIBUTOR) -> Resource:
    """A role assignment to `to`'s identity (its principalId computed from that site)."""
    props = {
        "principalId": UNKNOWN_STRING_VALUE,
        "principalType": "ServicePrincipal",
        "roleDefinitionId": f"{SUBSCRIPTION}/{ROLE_DEFINITIONS}/{role_id}",
        "scope": scope or UNKNOWN_STRING_VALUE,
    }
    return fed_by(resource(ROLE_ASSIGNMENT, name, props), "principalId", to)


def two_hubs(production_role: Resource) -> list[Resource]:
    """Two slots, their hubs declared; staging's identity may use the resource group."""
    staging_role = role(
        "stage-all", site("orders", {}, "staging"), f"{SUBSCRIPTION}/resourceGroups/rg"
    )
    hubs = (task_hub_resource("Orders"), task_hub_resource("OrdersStaging"))
    return dts_slots(
        "Orders", "OrdersStaging", scheduler(), *hubs, production_role, staging_role, **IDENTITY
    )


def one_slot_on_scheduler(*roles: Any) -> list[Resource]:
    """One app with its own hub declared in the stack, and the given role assignments."""
    app = site("orders", on_scheduler("Orders"), **IDENTITY)
    return [app, scheduler(), task_hub_resource("Orders"), *(make(app) for make in roles)]


@dataclass(frozen=True)
class Case:
    rule: str
    fires: Sequence[Resource]
    clean: Sequence[Resource]
    names: str
    """What every message of the firing stack must name (the app, slot or resource)."""
    config: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.rule


def one_setting(rule: str, name: str, firing: str, clean: str) -> Case:
    """One app setting on the production site: `firing` makes the rule fire, `clean` not."""
    says = f"orders: {name.rsplit('__', 1)[-1]} "
    return Case(rule, [with_setting(name, firing)], [with_setting(name, clean)], says)


CASES = [
    Case(
        "durable-setting-not-sticky",
        apart(sticky("Durable__accountName")),
        apart(sticky("SLOT_ROLE")),
        "Durable__accountName",
    ),
    Case(
        "slots-distinct-task-hubs",
        two_slots(hub("ordersprod"), hub("ordersprod")),
        two_slots(hub("ordersprod"), hub("ordersprod", "OrdersStaging")),
        "orders: slots production, staging share task hub Orders on ordersprod",
    ),
    Case(
        "runtime-storage-shared",
        two_slots(hub("ordersprod"), hub("ordersstage", AzureWebJobsStorage__accountName="x")),
        apart(),
        "orders: AzureWebJobsStorage differs",
    ),
    Case(
        "plan-supports-slots",
        apart(plan("FC1")),
        apart(plan("EP1")),
        "orders: Flex Consumption (FC1) has no deployment slots",
    ),
    Case(
        "plan-supports-slots",
        [*two_slots(hub("a"), hub("b"), plan("Y1")), site("orders", hub("c"), "canary")],
        two_slots(hub("a"), hub("b"), plan("Y1")),
        "orders: 3 slots on Y1, which allows 2",
    ),
    Case(
        "content-share-distinct",
        two_slots(
            hub("ordersprod", WEBSITE_CONTENTSHARE="orders"),
            hub("ordersstage", WEBSITE_CONTENTSHARE="Orders"),
        ),
        two_slots(
            hub("ordersprod", WEBSITE_CONTENTSHARE="orders-production"),
            hub("ordersstage", WEBSITE_CONTENTSHARE="orders-staging"),
        ),
        "WEBSITE_CONTENTSHARE 'orders'",
    ),
    Case(
        "routing-tracking-store",
        [
            site(
                "orders-v1-0",
                hub("ordersv10", **{DURABLE + "storageProvider__trackingStoreNamePrefix": "S"}),
            )
        ],
        [
            routed("orders-v1-0", "ordersv10", "OrdersV10"),
            routed("orders-v1-1", "ordersv11", "V11"),
        ],
        "orders-v1-0: trackingStoreNamePrefix 'S' is set without trackingStoreConnectionName",
    ),
    Case(
        "routing-tracking-store",
        [routed("orders-v1-0", "orders", "Orders"), routed("orders-v1-1", "orders", "Orders")],
        [
            routed("orders-v1-0", "ordersv10", "OrdersV10"),
            routed("orders-v1-1", "ordersv11", "V11"),
        ],
        "apps orders-v1-0, orders-v1-1 share durable account orders and hub Orders",
    ),
    Case(
        "routing-tracking-store",
        [routed("orders-v1-0", "a", "A", "One"), routed("orders-v1-1", "b", "B", "Two")],
        [routed("orders-v1-0", "a", "A", "One"), routed("orders-v1-1", "b", "B", "One")],
        "routing group apps use different tracking stores",
    ),
    Case(
        "function-app-limit",
        [routed(f"orders-v1-{n}", f"ordersv1{n}", f"V1{n}") for n in range(3)],
        [routed(f"orders-v1-{n}", f"ordersv1{n}", f"V1{n}") for n in range(2)],
        "3 function apps in this stack; the subscription default limit is 2",
        {"maxFunctionApps": 2},
    ),
    Case(
        "flex-rolling-update-versioning",
        flex({MATCH: "CurrentOrOlder"}),
        flex({VERSION: "2.0", MATCH: "CurrentOrOlder"}),
        "orders-flex (Flex Consumption, RollingUpdate)",
    ),
    Case(
        "flex-rolling-update-strict",
        flex({VERSION: "2.0", MATCH: "Strict"}),
        flex({VERSION: "2.0", MATCH: "CurrentOrOlder"}),
        "orders-flex (Flex Consumption, RollingUpdate): versionMatchStrategy Strict",
    ),
    Case(
        "flex-settings-ignored",
        flex({VERSION: "2.0", "FUNCTIONS_WORKER_RUNTIME": "python"}),
        flex({VERSION: "2.0", "AzureWebJobsStorage__accountName": "runtime"}),
        "orders-flex (Flex Consumption): FUNCTIONS_WORKER_RUNTIME",
    ),
    Case(
        "hub-name-valid",
        [site("orders", hub("ordersprod", "orders-staging"))],
        # A %Setting% reference is resolved at run time, out of the rule's sight.
        [site("orders", hub("ordersprod", "OrdersStaging")), site("orders", hub("p", "%HubFrom%"))],
        "orders: ",
    ),
    one_setting("versioning-values-valid", MATCH, "Newest", "currentorolder"),
    one_setting("versioning-values-valid", VERSION, "%AppVersion%", "2.0"),
    one_setting("versioning-strategy-caution", MATCH, "None", "CurrentOrOlder"),
    Case(
        "versioning-strategy-caution",
        [with_setting(MATCH, "Strict")],
        # On a Flex rolling update `flex-rolling-update-strict` judges it instead.
        flex({VERSION: "2.0", MATCH: "Strict"}),
        "orders: versionMatchStrategy Strict",
    ),
    Case(
        "security-baseline",
        [site("orders", hub("ordersprod"), httpsOnly=False)],
        [site("orders", hub("ordersprod"))],
        "orders: httpsOnly is not true",
    ),
    Case(
        "security-baseline",
        [storage(allowBlobPublicAccess=True)],
        [storage(allowBlobPublicAccess=False)],
        "ordersdurable: allowBlobPublicAccess must be false",
    ),
    Case(
        "no-keys-in-app-settings",
        [with_setting("Reports", "DefaultEndpointsProtocol=https;AccountName=r;AccountKey=k==")],
        [
            with_setting("Reports__accountName", "reports"),
            with_setting("Reports", "@Microsoft.KeyVault(SecretUri=https://v.vault.azure.net/s)"),
        ],
        "orders: app setting Reports holds a storage key",
    ),
    # The hub as the host resolves it: one account, a hub per slot through %TASKHUB_NAME%.
    Case(
        "slots-distinct-task-hubs",
        two_slots(
            hub("ordersprod", "%TASKHUB_NAME%", TASKHUB_NAME="Orders"),
            hub("ordersprod", "%TASKHUB_NAME%", TASKHUB_NAME="ORDERS"),  # tables ignore case
        ),
        two_slots(
            hub("ordersprod", "%TASKHUB_NAME%", TASKHUB_NAME="Orders"),
            hub("ordersprod", "%TASKHUB_NAME%", TASKHUB_NAME="OrdersStaging"),
        ),
        "orders: slots production, staging share task hub Orders / ORDERS on ordersprod",
    ),
    Case(
        "hub-name-resolves",
        [
            site("orders", hub("ordersprod", "%TASKHUB_NAME%")),
            # `__` in a setting's name is `:` in configuration: %A__B% never finds A__B.
            site("billing", hub("billingprod", "%Hubs__Billing%", Hubs__Billing="Billing")),
        ],
        [
            site("orders", hub("ordersprod", "%TASKHUB_NAME%", taskhub_name="Orders")),
            site("billing", hub("billingprod", "%Hubs:Billing%", Hubs__Billing="Billing")),
            # Set by the platform, or not known before the deployment: not judged.
            site("platform", hub("platformprod", "%WEBSITE_SITE_NAME%")),
            site("later", hub("laterprod", "%TASKHUB_NAME%")),
            resource(
                APP_SETTINGS,
                "later-settings",
                {"name": "later", "properties": {"TASKHUB_NAME": UNKNOWN_STRING_VALUE}},
            ),
        ],
        "does not resolve (no app setting ",
    ),
    Case(
        "durable-setting-not-sticky",
        two_slots(
            hub("ordersprod", "%TASKHUB_NAME%", TASKHUB_NAME="Orders"),
            hub("ordersstage", "%TASKHUB_NAME%", TASKHUB_NAME="OrdersStaging"),
            sticky("TASKHUB_NAME"),
        ),
        two_slots(
            hub("ordersprod", "%TASKHUB_NAME%", TASKHUB_NAME="Orders"),
            hub("ordersstage", "%TASKHUB_NAME%", TASKHUB_NAME="OrdersStaging"),
            sticky("SLOT_ROLE"),
        ),
        "TASKHUB_NAME marked as slot (sticky)",
    ),
    Case(
        "durable-setting-not-sticky",
        dts_slots("Orders", "OrdersStaging", sticky(DTS_CONNECTION)),
        dts_slots("Orders", "OrdersStaging", sticky("SLOT_ROLE")),
        f"{DTS_CONNECTION} marked as slot (sticky)",
    ),
    Case(
        # No connection named: the scheduler's default setting, never AzureWebJobsStorage.
        "durable-setting-not-sticky",
        [*unnamed_connection(), sticky(DTS_CONNECTION)],
        [*unnamed_connection(), sticky("AzureWebJobsStorage__accountName")],
        f"{DTS_CONNECTION} marked as slot (sticky)",
    ),
    # The Durable Task Scheduler.
    Case(
        "scheduler-distinct-task-hubs",
        dts_slots("Orders", "orders"),
        [
            *dts_slots("Orders", "OrdersStaging"),
            # A storage app with the same hub name is another backend altogether.
            site("legacy", hub("legacyprod", "Orders")),
        ],
        "orders, orders/staging share task hub Orders / orders on scheduler "
        "orders-a1b2c3.westeurope.durabletask.io",
    ),
    Case(
        # In a preview the endpoint is not known: the scheduler the settings come from is.
        "scheduler-distinct-task-hubs",
        [
            scheduler(),
            fed_by(site("orders", on_scheduler("Orders", None)), "siteConfig", scheduler()),
            fed_by(site("billing", on_scheduler("Orders", None)), "siteConfig", scheduler()),
        ],
        [
            scheduler(),
            scheduler("billing"),
            fed_by(site("orders", on_scheduler("Orders", None)), "siteConfig", scheduler()),
            fed_by(
                site("billing", on_scheduler("Orders", None)), "siteConfig", scheduler("billing")
            ),
        ],
        "orders, billing share task hub Orders on scheduler sched-orders",
    ),
    Case(
        "scheduler-connection-secure",
        [
            site(
                "orders",
                on_scheduler("Orders", "Endpoint=http://localhost:8080;Authentication=None"),
            ),
            site("billing", on_scheduler("Billing", f"Endpoint={ENDPOINT};AUTHENTICATION=none")),
        ],
        [
            site("orders", on_scheduler("Orders")),
            # Keys in any case; an endpoint without a scheme is https.
            site(
                "billing",
                on_scheduler(
                    "Billing",
                    "endpoint=orders-a1b2c3.westeurope.durabletask.io;authentication=DefaultAzure",
                ),
            ),
        ],
        "that is the local emulator's connection",
    ),
    Case(
        "scheduler-hub-data-role",
        one_slot_on_scheduler(lambda app: role("reader", app, hub_scope("Orders"), READER)),
        [
            *one_slot_on_scheduler(lambda app: role("worker", app, hub_scope("orders"), WORKER)),
            # A hub this stack does not declare is out of sight: its roles may be elsewhere.
            site("billing", on_scheduler("Billing"), **IDENTITY),
        ],
        "orders: its identity has no Durable Task Data Contributor or Worker role on task hub "
        "Orders",
    ),
    Case(
        # Hubs move on a swap: production needs the staging hub too.
        "scheduler-hub-data-role",
        two_hubs(role("prod-own", site("orders", {}), hub_scope("Orders"))),
        # The whole scheduler, written as the scheduler resource's id (a dependency).
        two_hubs(fed_by(role("prod-sched", site("orders", {}), None), "scope", scheduler())),
        "orders: its identity has no Durable Task Data Contributor or Worker role on task hub "
        "OrdersStaging",
    ),
    Case(
        "scheduler-ip-allowlist",
        [scheduler(allow=[])],
        [scheduler(), scheduler("later", UNKNOWN_ARRAY_VALUE)],
        "sched-orders: ipAllowlist is empty",
    ),
    Case(
        "hub-name-valid",
        [site("orders", on_scheduler("ab")), site("orders", hub("ordersprod", "%H%", H="a-b"))],
        # ARM names a scheduler's task hub: hyphens are fine there.
        [site("orders", on_scheduler("orders-staging"))],
        "orders: task hub name ",
    ),
]


def findings(case: Case, resources: Sequence[Resource]) -> list[str]:
    """The messages the rule reports, called as the pack's validate adapters call it."""
    seen = [observe(r.type, r.name, r.props, r.urn, r.dependencies) for r in resources]
    if case.rule in STACK:
        found = list(STACK[case.rule].check(build_apps(seen), case.config))
        # Each finding blames one of the stack's resources, so the CLI can name it.
        assert {urn for _, urn in found} <= {r.urn for r in seen}
        return [message for message, _ in found]
    return [message for r in seen for message in PER_RESOURCE[case.rule].check(r)]


def test_every_rule_of_the_catalogue_has_a_case() -> None:
    assert {case.rule for case in CASES} == set(STACK) | set(PER_RESOURCE)


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_rule_fires_naming_what_it_blames(case: Case) -> None:
    messages = findings(case, case.fires)
    assert messages
    assert all(case.names in message for message in messages), messages


@pytest.mark.parametrize("case", CASES, ids=str)
def test_the_clean_twin_passes(case: Case) -> None:
    assert findings(case, case.clean) == []


def test_a_literal_default_version_says_why_it_is_refused() -> None:
    # The whole reason reaches the user, not only the head of a message split over lines.
    case = one_setting("versioning-values-valid", VERSION, "%AppVersion%", "2.0")
    (message,) = findings(case, case.fires)
    assert message.endswith("defaultVersion does not resolve %AppSetting% references"), message
