"""The policy pack through the real Analyzer protocol, fed the graphs `plan` produces."""

from __future__ import annotations

import copy
import json
import shutil
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from scripts.stages.policy_check import GraphResource, PolicyAnalyzer, Violation
from tests.support.checkout import ROOT
from tests.support.helpers import Cli

Graph = list[dict[str, Any]]
Variant = tuple[Callable[[Graph], None], dict[str, str]]
"""A change to an example stack's graph, and the {policy: level} it must fire."""
DURABLE_ACCOUNT = "DurableManagementStorage__accountName"
PREFIX = "AzureFunctionsJobHost__extensions__durableTask__"


def plan_graph(cli: Cli, stack: str) -> Graph:
    run = cli("plan", "--stack", stack, "--json")
    assert run.code == 0, run.output
    graph: Graph = json.loads(run.stdout)["resources"]
    return graph


@pytest.fixture(scope="module")
def analyzer() -> Iterator[PolicyAnalyzer]:
    with PolicyAnalyzer(project="durable-zero-downtime", stack="test") as pack:
        yield pack


@pytest.fixture(scope="module")
def graphs(cli: Cli) -> Callable[[str], Graph]:
    """The plan of an example stack, made once for this module (hand out copies to change)."""
    made: dict[str, Graph] = {}

    def of(stack: str) -> Graph:
        if stack not in made:
            made[stack] = plan_graph(cli, stack)
        return made[stack]

    return of


def analyze(analyzer: PolicyAnalyzer, graph: Graph) -> list[Violation]:
    return analyzer.analyze(
        GraphResource(r["type"], r["name"], r["inputs"], r.get("parent")) for r in graph
    )


def fired(analyzer: PolicyAnalyzer, graph: Graph) -> set[str]:
    return {v.policy for v in analyze(analyzer, graph)}


def levels_after(analyzer: PolicyAnalyzer, graph: Graph, mutate: Callable[[Graph], None]) -> Any:
    """{policy: level} of what fires on a changed copy of `graph`; each says why and what to do."""
    changed = copy.deepcopy(graph)
    mutate(changed)
    violations = analyze(analyzer, changed)
    assert all(v.message and v.remediation for v in violations)
    return {v.policy: v.level for v in violations}


def first(graph: Graph, type_: str, slot: str | None = None) -> dict[str, Any]:
    return next(r for r in graph if r["type"] == type_ and r["inputs"].get("slot") == slot)


def settings(site: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in site["inputs"]["siteConfig"]["appSettings"]}


WEB_APP, SLOT = "azure-native:web:WebApp", "azure-native:web:WebAppSlot"


def make_sticky(g: Graph) -> None:
    first(g, "azure-native:web:WebAppSlotConfigurationNames")["inputs"]["appSettingNames"] = [
        DURABLE_ACCOUNT
    ]


def share_hub(g: Graph) -> None:
    production = settings(first(g, WEB_APP))[DURABLE_ACCOUNT]["value"]
    settings(first(g, SLOT, "staging"))[DURABLE_ACCOUNT]["value"] = production


def split_runtime(g: Graph) -> None:
    settings(first(g, SLOT, "staging"))["AzureWebJobsStorage__accountName"]["value"] = "other"


def flex_plan(g: Graph) -> None:
    first(g, "azure-native:web:AppServicePlan")["inputs"]["sku"] = {"name": "FC1"}


def same_share(g: Graph) -> None:
    settings(first(g, SLOT, "staging"))["WEBSITE_CONTENTSHARE"]["value"] = "orders-dev-production"


def bad_hub(g: Graph) -> None:
    settings(first(g, SLOT, "staging"))[PREFIX + "hubName"]["value"] = "orders-staging"


def insecure_app(g: Graph) -> None:
    first(g, WEB_APP)["inputs"]["httpsOnly"] = False


def public_blobs(g: Graph) -> None:
    first(g, "azure-native:storage:StorageAccount")["inputs"]["allowBlobPublicAccess"] = True


def plain_key(g: Graph) -> None:
    first(g, WEB_APP)["inputs"]["siteConfig"]["appSettings"].append(
        {"name": "Reports", "value": "DefaultEndpointsProtocol=https;AccountName=r;AccountKey=k=="}
    )


def prefix_without_tracking(g: Graph) -> None:
    first(g, WEB_APP)["inputs"]["siteConfig"]["appSettings"].append(
        {"name": PREFIX + "storageProvider__trackingStoreNamePrefix", "value": "Shared"}
    )


def match(value: str) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        for site in (r for r in g if r["type"] in (WEB_APP, SLOT)):
            settings(site)[PREFIX + "versionMatchStrategy"]["value"] = value

    return mutate


@pytest.mark.parametrize(
    "stack", ["dev", "prod", "flex", "flexrouting", "routing", "dts", "dtsversioning"]
)
def test_the_example_stacks_pass_clean(
    analyzer: PolicyAnalyzer, graphs: Callable[[str], Graph], stack: str
) -> None:
    assert analyze(analyzer, graphs(stack)) == []


@pytest.mark.parametrize(
    ("stack", "mutate", "policy", "level"),
    [
        ("dev", make_sticky, "durable-setting-not-sticky", "mandatory"),
        ("dev", share_hub, "slots-distinct-task-hubs", "mandatory"),
        ("dev", split_runtime, "runtime-storage-shared", "advisory"),
        ("dev", same_share, "content-share-distinct", "mandatory"),
        ("dev", bad_hub, "hub-name-valid", "mandatory"),
        ("dev", insecure_app, "security-baseline", "mandatory"),
        ("dev", public_blobs, "security-baseline", "mandatory"),
        ("dev", plain_key, "no-keys-in-app-settings", "advisory"),
        ("dev", prefix_without_tracking, "routing-tracking-store", "mandatory"),
        ("prod", match("Newest"), "versioning-values-valid", "mandatory"),
        ("prod", match("Strict"), "versioning-strategy-caution", "advisory"),
        ("prod", match("None"), "versioning-strategy-caution", "advisory"),
    ],
)
def test_each_variant_fires_exactly_its_rule(
    analyzer: PolicyAnalyzer,
    graphs: Callable[[str], Graph],
    stack: str,
    mutate: Callable[[Graph], None],
    policy: str,
    level: str,
) -> None:
    graph = copy.deepcopy(graphs(stack))
    mutate(graph)
    violations = analyze(analyzer, graph)
    assert {v.policy for v in violations} == {policy}
    assert {v.level for v in violations} == {level}
    assert all(v.message and v.remediation for v in violations)


def flex_setting(name: str, value: str | None) -> Callable[[Graph], None]:
    """Set (or with None remove) one app setting of the Flex stack's app."""

    def mutate(g: Graph) -> None:
        pairs = first(g, WEB_APP)["inputs"]["siteConfig"]["appSettings"]
        pairs[:] = [p for p in pairs if p["name"] != name]
        if value is not None:
            pairs.append({"name": name, "value": value})

    return mutate


def rolling(strategy: str, without: str) -> Callable[[Graph], None]:
    """The Flex app with `siteUpdateStrategy.type` written as `strategy`, one setting removed."""

    def mutate(g: Graph) -> None:
        first(g, WEB_APP)["inputs"]["functionAppConfig"]["siteUpdateStrategy"]["type"] = strategy
        flex_setting(without, None)(g)

    return mutate


FLEX_VARIANTS: list[Variant] = [
    (
        flex_setting(PREFIX + "defaultVersion", None),
        {"flex-rolling-update-versioning": "mandatory"},
    ),
    (
        flex_setting(PREFIX + "versionMatchStrategy", None),
        {"flex-rolling-update-versioning": "mandatory"},
    ),
    (
        flex_setting(PREFIX + "versionMatchStrategy", "None"),
        {"flex-rolling-update-versioning": "mandatory"},
    ),
    (
        rolling("rollingupdate", PREFIX + "defaultVersion"),
        {"flex-rolling-update-versioning": "mandatory"},
    ),
    (
        flex_setting(PREFIX + "versionMatchStrategy", "strict"),
        {"flex-rolling-update-strict": "advisory"},
    ),
    (rolling("Recreate", PREFIX + "defaultVersion"), {}),
    (flex_setting("FUNCTIONS_WORKER_RUNTIME", "python"), {"flex-settings-ignored": "advisory"}),
    (
        # No content share on Flex: a key here is not required by the platform.
        flex_setting(
            "WEBSITE_CONTENTAZUREFILECONNECTIONSTRING",
            "DefaultEndpointsProtocol=https;AccountName=r;AccountKey=k==",
        ),
        {"flex-settings-ignored": "advisory", "no-keys-in-app-settings": "advisory"},
    ),
]


def test_slots_stay_refused_on_flex(
    analyzer: PolicyAnalyzer, graphs: Callable[[str], Graph]
) -> None:
    graph = copy.deepcopy(graphs("dev"))
    flex_plan(graph)
    fired_levels = {v.policy: v.level for v in analyze(analyzer, graph)}
    # The dev app's worker-runtime and content-share settings are ignored on FC1, too.
    assert fired_levels == {
        "plan-supports-slots": "mandatory",
        "flex-settings-ignored": "advisory",
    }
    # A second site next to a functionAppConfig site, plan unknown (as in a preview).
    graph = copy.deepcopy(graphs("flex"))
    site = copy.deepcopy(first(graph, WEB_APP))
    graph = [r for r in graph if r["type"] != "azure-native:web:AppServicePlan"]
    site["type"], site["name"] = SLOT, "orders-flex-staging"
    site["inputs"]["slot"] = "staging"
    settings(site)[DURABLE_ACCOUNT]["value"] = "other"
    graph.append(site)
    assert "plan-supports-slots" in fired(analyzer, graph)


def test_too_many_slots_for_the_plan(
    analyzer: PolicyAnalyzer, graphs: Callable[[str], Graph]
) -> None:
    graph = copy.deepcopy(graphs("prod"))  # production + 2 staging slots = 3
    first(graph, "azure-native:web:AppServicePlan")["inputs"]["sku"] = {"name": "Y1"}
    assert fired(analyzer, graph) == {"plan-supports-slots"}


def _routing_app(name: str, account: str, hub: str, prefix: str = "Shared") -> dict[str, Any]:
    values = {
        "Durable__accountName": account,
        "Tracking__accountName": "sharedtracking",
        PREFIX + "storageProvider__connectionName": "Durable",
        PREFIX + "storageProvider__trackingStoreConnectionName": "Tracking",
        PREFIX + "storageProvider__trackingStoreNamePrefix": prefix,
        PREFIX + "hubName": hub,
    }
    return {
        "type": WEB_APP,
        "name": name,
        "inputs": {
            "name": name,
            "kind": "functionapp,linux",
            "httpsOnly": True,
            "siteConfig": {
                "ftpsState": "Disabled",
                "minTlsVersion": "1.2",
                "appSettings": [{"name": k, "value": v} for k, v in values.items()],
            },
        },
    }


def test_a_routing_group_shares_only_its_tracking_store(analyzer: PolicyAnalyzer) -> None:
    clean = [
        _routing_app("orders-v1-0", "ordersv10", "OrdersV10"),
        _routing_app("orders-v1-1", "ordersv11", "OrdersV11"),
    ]
    assert fired(analyzer, clean) == set()
    same_queues = [
        _routing_app("orders-v1-0", "orders", "Orders"),
        _routing_app("orders-v1-1", "orders", "Orders"),
    ]
    assert fired(analyzer, same_queues) == {"routing-tracking-store"}
    two_prefixes = [
        _routing_app("orders-v1-0", "ordersv10", "OrdersV10", "A"),
        _routing_app("orders-v1-1", "ordersv11", "OrdersV11", "B"),
    ]
    assert fired(analyzer, two_prefixes) == {"routing-tracking-store"}


def test_settings_resources_and_unknown_values_do_not_crash(analyzer: PolicyAnalyzer) -> None:
    app = {
        "type": WEB_APP,
        "name": "plain",
        "inputs": {
            "name": "plain",
            "kind": "functionapp",
            "httpsOnly": True,
            "siteConfig": {"ftpsState": "Disabled", "minTlsVersion": "1.2"},
        },
    }
    settings_resource = {
        "type": "azure-native:web:WebAppApplicationSettings",
        "name": "s",
        "inputs": {"name": "plain", "properties": {PREFIX + "hubName": "x"}},
    }
    assert fired(analyzer, [app, settings_resource]) == {"hub-name-valid"}
    # In a preview the plan's id and many values are not known yet.
    unknown = {
        "type": WEB_APP,
        "name": "preview",
        "inputs": {
            "name": "preview",
            "httpsOnly": True,
            "serverFarmId": "04da6b54-80e4-46f7-96ec-b56ff0331ba9",
            "siteConfig": {"ftpsState": "Disabled"},
        },
    }
    assert fired(analyzer, [unknown]) == set()


def test_the_app_limit_is_configurable() -> None:
    apps = [_routing_app(f"app{i}", f"acct{i}", f"Hub{i}") for i in range(3)]
    with PolicyAnalyzer() as pack:
        assert "function-app-limit" not in fired(pack, apps)
        pack.configure({"function-app-limit": {"maxFunctionApps": 2}})
        assert fired(pack, apps) == {"function-app-limit"}


def _handmade(tmp_path: Path, config: Mapping[str, bool | str], program: str = "handmade") -> Path:
    programs = Path(__file__).parent / "programs"
    shutil.copy(ROOT / "Pulumi.yaml", tmp_path / "Pulumi.yaml")
    shutil.copy(programs / f"{program}.py", tmp_path / "__main__.py")
    shutil.copy(programs / "hand_premium.py", tmp_path)  # what the Premium programs share
    namespace = program.replace("_", "").replace("handmadeflex", "handflex")
    lines = ["config:"] + [f"  {namespace}:{k}: {json.dumps(v)}" for k, v in config.items()]
    (tmp_path / "Pulumi.hand.yaml").write_text("\n".join(lines) + "\n")
    return tmp_path


@pytest.mark.parametrize(
    ("config", "code", "policy"),
    [
        ({}, 0, None),
        ({"stickyDurable": True}, 1, "durable-setting-not-sticky"),
        ({"sharedHub": True}, 1, "slots-distinct-task-hubs"),
        # One account, a hub per slot through %TASKHUB_NAME%: resolved as the host does.
        ({"hubSetting": True}, 0, None),
        ({"hubSetting": True, "sharedHub": True}, 1, "slots-distinct-task-hubs"),
    ],
)
def test_check_cli_on_a_program_without_our_components(
    cli: Cli, tmp_path: Path, config: dict[str, bool], code: int, policy: str | None
) -> None:
    project = _handmade(tmp_path, config)
    run = cli("check", "--stack", "hand", "--project-dir", str(project), "--json")
    assert run.code == code, run.output
    result = json.loads(run.stdout)
    assert result["resources"] == 6
    assert {v["policy"] for v in result["violations"] if v["level"] == "mandatory"} == (
        {policy} if policy else set()
    )


def test_check_cli_on_the_example_stack_and_errors(cli: Cli) -> None:
    run = cli("check", "--stack", "dev")
    assert run.code == 0, run.output
    assert "no mandatory violation" in run.stdout
    assert cli("check", "--stack", "nosuch").code == 2


@pytest.mark.parametrize(
    ("config", "code", "policies"),
    [
        ({}, 1, {"flex-rolling-update-versioning"}),
        ({"defaultVersion": "2.0"}, 1, {"flex-rolling-update-versioning"}),
        ({"defaultVersion": "2.0", "matchStrategy": "CurrentOrOlder"}, 0, set()),
        ({"recreate": True}, 0, set()),
    ],
)
def test_a_raw_flex_program_with_rolling_updates_needs_versioning(
    cli: Cli, tmp_path: Path, config: dict[str, bool | str], code: int, policies: set[str]
) -> None:
    project = _handmade(tmp_path, config, "handmade_flex")
    run = cli("check", "--stack", "hand", "--project-dir", str(project), "--json")
    assert run.code == code, run.output
    result = json.loads(run.stdout)
    assert result["resources"] == 4
    assert {v["policy"] for v in result["violations"]} == policies
    if policies:
        (violation,) = result["violations"]
        assert violation["level"] == "mandatory" and "hand-flex" in violation["message"]


# The scheduler stack. Under the offline plan the scheduler's endpoint is not known (as in a
# preview), so the variants that need it write the connection string out.
DTS_CONNECTION = "DURABLE_TASK_SCHEDULER_CONNECTION_STRING"
ENDPOINT = "https://orders-dts-a1b2.westeurope.durabletask.io"


def connect(value: str) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        for site in (r for r in g if r["type"] in (WEB_APP, SLOT)):
            settings(site)[DTS_CONNECTION]["value"] = value

    return mutate


def both(*mutations: Callable[[Graph], None]) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        for change in mutations:
            change(g)

    return mutate


def staging_hub(value: str) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        settings(first(g, SLOT, "staging"))[PREFIX + "hubName"]["value"] = value

    return mutate


def sticky_names(*names: str) -> Callable[[Graph], None]:
    def mutate(g: Graph) -> None:
        first(g, "azure-native:web:WebAppSlotConfigurationNames")["inputs"]["appSettingNames"] = [
            *names
        ]

    return mutate


def without_hub_roles(g: Graph) -> None:
    g[:] = [r for r in g if not r["name"].endswith("-ordersdtsstaging-dts")]


def closed_scheduler(g: Graph) -> None:
    first(g, "azure-native:durabletask:Scheduler")["inputs"]["properties"]["ipAllowlist"] = []


SCHEDULER_VARIANTS: list[Variant] = [
    (connect(f"Endpoint={ENDPOINT};Authentication=ManagedIdentity"), {}),
    (
        both(
            connect(f"Endpoint={ENDPOINT};Authentication=ManagedIdentity"),
            staging_hub("ordersdts"),
        ),
        {"scheduler-distinct-task-hubs": "mandatory"},
    ),
    (sticky_names(PREFIX + "hubName"), {"durable-setting-not-sticky": "mandatory"}),
    (sticky_names(DTS_CONNECTION), {"durable-setting-not-sticky": "mandatory"}),
    (
        connect("Endpoint=http://localhost:8080;Authentication=None"),
        {"scheduler-connection-secure": "mandatory"},
    ),
    (without_hub_roles, {"scheduler-hub-data-role": "mandatory"}),
    (closed_scheduler, {"scheduler-ip-allowlist": "advisory"}),
    (staging_hub("x"), {"hub-name-valid": "mandatory"}),
    (staging_hub("%STAGING_HUB%"), {"hub-name-resolves": "mandatory"}),
]


@pytest.mark.parametrize(
    ("stack", "mutate", "fired_levels"),
    [("flex", *v) for v in FLEX_VARIANTS] + [("dts", *v) for v in SCHEDULER_VARIANTS],
)
def test_flex_and_scheduler_rules_on_their_stacks(
    analyzer: PolicyAnalyzer,
    graphs: Callable[[str], Graph],
    stack: str,
    mutate: Callable[[Graph], None],
    fired_levels: dict[str, str],
) -> None:
    assert levels_after(analyzer, graphs(stack), mutate) == fired_levels


def _stack_with_dependencies(
    analyzer: PolicyAnalyzer, graph: Graph, dependencies: dict[str, dict[str, list[str]]]
) -> set[str]:
    """AnalyzeStack as the engine sends it, with `propertyDependencies` (by logical name)."""
    from pulumi.runtime.proto import analyzer_pb2

    def urn(name: str) -> str:
        type_ = next(r["type"] for r in graph if r["name"] == name)
        return f"urn:pulumi:test::durable-zero-downtime::{type_}::{name}"

    request = analyzer_pb2.AnalyzeStackRequest(
        resources=[
            analyzer_pb2.AnalyzerResource(
                type=r["type"],
                properties=_struct(r["inputs"]),
                urn=urn(r["name"]),
                name=r["name"],
                propertyDependencies={
                    prop: analyzer_pb2.AnalyzerPropertyDependencies(urns=[urn(n) for n in names])
                    for prop, names in dependencies.get(r["name"], {}).items()
                },
            )
            for r in graph
        ]
    )
    assert analyzer.stub is not None
    return {d.policyName for d in analyzer.stub.AnalyzeStack(request).diagnostics}


def _struct(values: dict[str, Any]) -> Any:
    from google.protobuf import json_format, struct_pb2

    return json_format.ParseDict(values, struct_pb2.Struct())


def test_the_role_rule_follows_the_engines_property_dependencies(
    analyzer: PolicyAnalyzer, graphs: Callable[[str], Graph]
) -> None:
    """A role assignment names its identity only through the site it is computed from."""
    dts = graphs("dts")
    sites = {"production": "orders-dts-app", "staging": "orders-dts-slot-staging"}
    roles = {  # orders-dts-<slot>-<hub>-dts: the slot's identity on a hub
        r["name"]: sites[r["name"].removeprefix("orders-dts-").split("-")[0]]
        for r in dts
        if r["type"] == "azure-native:authorization:RoleAssignment" and r["name"].endswith("-dts")
    }
    assert len(roles) == 4
    truthful = {name: {"principalId": [site]} for name, site in roles.items()}
    assert "scheduler-hub-data-role" not in _stack_with_dependencies(analyzer, dts, truthful)
    # Every hub role computed from production's identity: staging's identity holds none.
    misdirected = {name: {"principalId": [sites["production"]]} for name in roles}
    assert "scheduler-hub-data-role" in _stack_with_dependencies(analyzer, dts, misdirected)


@pytest.mark.parametrize(
    ("flag", "policy"),
    [
        (None, None),
        ("sharedHub", "scheduler-distinct-task-hubs"),
        ("stickyHub", "durable-setting-not-sticky"),
        ("emulator", "scheduler-connection-secure"),
        ("noRoles", "scheduler-hub-data-role"),
    ],
)
def test_check_cli_on_a_raw_scheduler_program(
    cli: Cli, tmp_path: Path, flag: str | None, policy: str | None
) -> None:
    project = _handmade(tmp_path, {flag: True} if flag else {}, "handmade_dts")
    run = cli("check", "--stack", "hand", "--project-dir", str(project), "--json")
    assert run.code == (1 if policy else 0), run.output
    result = json.loads(run.stdout)
    assert {v["policy"] for v in result["violations"] if v["level"] == "mandatory"} == (
        {policy} if policy else set()
    )
