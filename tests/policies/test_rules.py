"""Each rule of the pack in-process: a small stack that makes it fire, and its clean twin.

The rule functions are plain; they are called here exactly as policies/pack.py calls them
(`known` props, `build_apps` for stack rules), without the policy SDK or a process. The
analyzer-protocol tests beside this file judge the same rules through gRPC.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pytest

from policies.model import (
    PLAN,
    STICKY_NAMES,
    STORAGE_ACCOUNT,
    WEB_APP,
    WEB_APP_SLOT,
    Resource,
    build_apps,
    known,
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
]


def findings(case: Case, resources: Sequence[Resource]) -> list[str]:
    """The messages the rule reports, called as the pack's validate adapters call it."""
    seen = [Resource(r.type, r.name, known(r.props), r.urn) for r in resources]
    if case.rule in STACK:
        found = STACK[case.rule].check(build_apps(seen), case.config)
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
