"""One home per fact: the storage account behind a connection setting, the production slot's
name, the default tracking prefix and the router's settings are each decided in taskhub and
only there."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any, cast

import pytest

from policies.durable_settings import connection_name, storage_target
from policies.model import App, Site
from policies.slots import slots_distinct_hubs
from scripts.stages.arm import AppSlots
from scripts.stages.release import account_of
from scripts.stages.target import DrainArgs, slot_hub
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.connection import StorageConnection
from taskhub.errors import ConfigurationError
from taskhub.hostjson import (
    DEFAULT_DURABLE_SETTING,
    RUNTIME_STORAGE_SETTING,
    V1_CONNECTION,
    V1_TRACKING,
    DurableReading,
    override_setting,
)
from taskhub.hubs import DEFAULT_TRACKING_PREFIX
from taskhub.routes import (
    ROUTER_ALLOWED_HOSTS_SETTING,
    ROUTER_PREFIX_SETTING,
    ROUTER_PUBLIC_URL_SETTING,
    ROUTER_STORAGE_SETTING,
)
from taskhub.scheduler_settings import DEFAULT_CONNECTION_SETTING, PROVIDER_TYPE, SchedulerRole
from taskhub.storage_account import endpoint_account, storage_account
from tests.support.checkout import ROOT

NAME = "Durable"
KEY = "a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5a2V5=="

# What the Functions host reads, per azure-functions-durable-extension
# src/WebJobs.Extensions.DurableTask/Storage/StorageServiceClientProviderFactory.cs
# (GetTableClientProvider: a section value is a connection string and wins; otherwise the
# section's keys) and Storage/TableServiceClientProvider.cs (ConnectionOptions.ServiceUri:
# TableServiceUri, else https://{AccountName}.table.core.windows.net).
CASES: dict[str, tuple[dict[str, str], str | None]] = {
    "connection string": (
        {NAME: f"DefaultEndpointsProtocol=https;AccountName=OrdersProd;AccountKey={KEY};"},
        "ordersprod",
    ),
    "emulator shorthand": ({NAME: "UseDevelopmentStorage=true"}, "devstoreaccount1"),
    "explicit table endpoint, path-style": (
        {
            NAME: f"DefaultEndpointsProtocol=http;AccountName=ordersdevdprod;AccountKey={KEY};"
            "TableEndpoint=http://127.0.0.1:10002/ordersdevdprod;"
        },
        "ordersdevdprod",
    ),
    "identity, account name": ({f"{NAME}__accountName": "OrdersProd"}, "ordersprod"),
    "identity, table service URI": (
        {f"{NAME}__tableServiceUri": "https://ordersprod.table.core.windows.net/"},
        "ordersprod",
    ),
    "table service URI before account name": (
        {
            f"{NAME}__accountName": "ordersold",
            f"{NAME}__tableServiceUri": "https://ordersnew.table.core.windows.net",
        },
        "ordersnew",
    ),
    "connection string before the section's keys": (
        {NAME: f"AccountName=ordersnew;AccountKey={KEY}", f"{NAME}__accountName": "ordersold"},
        "ordersnew",
    ),
    # WebJobs GetWebJobsConnectionStringSection: the AzureWebJobs-prefixed name first.
    "prefixed section first": (
        {f"AzureWebJobs{NAME}__accountName": "ordersnew", f"{NAME}__accountName": "ordersold"},
        "ordersnew",
    ),
    # .NET configuration keys are case-insensitive.
    "keys in any case": ({f"{NAME.upper()}__AccountName": "ordersprod"}, "ordersprod"),
    # The blob and queue URIs feed the other clients; the tables cannot be told from them.
    "only a blob service URI": (
        {f"{NAME}__blobServiceUri": "https://ordersprod.blob.core.windows.net"},
        None,
    ),
    "a Key Vault reference": (
        {NAME: "@Microsoft.KeyVault(SecretUri=https://vault.vault.azure.net/secrets/durable/)"},
        None,
    ),
    "not set": ({"Other__accountName": "ordersprod"}, None),
}


def reading(connection: str) -> DurableReading:
    """What the release reads from live settings that name `connection` for hub OrdersHub."""
    durable = DurableReading.from_app_settings(
        {
            override_setting("hubName"): "OrdersHub",
            override_setting("storageProvider", "connectionName"): connection,
        }
    )
    assert durable is not None
    return durable


@pytest.mark.parametrize("case", CASES)
def test_the_account_is_read_as_the_host_reads_it(case: str) -> None:
    settings, account = CASES[case]
    assert storage_account(settings, NAME) == account


@pytest.mark.parametrize("case", CASES)
def test_the_policy_pack_and_the_release_stage_agree(case: str) -> None:
    settings, account = CASES[case]
    released = account_of(settings, reading(NAME))
    assert storage_target(settings, NAME) == account
    if account is None:
        # The release stage compares a digest instead, and never shows the value.
        assert released.startswith(f"setting {NAME} #")
        assert all(value not in released for value in settings.values())
    else:
        assert released == account


def test_a_uri_and_an_account_name_for_one_account_are_one_account() -> None:
    """Two slots on one account, one written as a URI: the policy flags the shared hub."""
    hub = {"AzureFunctionsJobHost__extensions__durableTask__hubName": "OrdersHub"}
    setting = "AzureFunctionsJobHost__extensions__durableTask__storageProvider__connectionName"
    production = {**hub, setting: NAME, f"{NAME}__accountName": "ordersprod"}
    staging = {
        **hub,
        setting: NAME,
        f"{NAME}__tableServiceUri": "https://ordersprod.table.core.windows.net",
    }
    sites = {
        slot: Site("orders", slot, f"urn:{slot}", {}, settings)
        for slot, settings in ((PRODUCTION_SLOT, production), ("staging", staging))
    }
    app = App("orders", sites=sites)
    (finding,) = slots_distinct_hubs({"orders": app}, {})
    assert "share task hub OrdersHub on ordersprod" in finding[0]
    released = {
        slot: account_of(settings, reading(NAME))
        for slot, settings in ((PRODUCTION_SLOT, production), ("staging", staging))
    }
    assert released == {PRODUCTION_SLOT: "ordersprod", "staging": "ordersprod"}


# The stand-ins and the bench too: a rehearsal that retypes a fact can drift from it unseen.
CHECKED = ("taskhub", "components", "policies", "scripts", "apps", "standins", "bench")
FACTS = {
    PRODUCTION_SLOT: Path("taskhub/app_service_plans.py"),
    DEFAULT_TRACKING_PREFIX: Path("taskhub/hubs.py"),
    DEFAULT_DURABLE_SETTING: Path("taskhub/hostjson.py"),
    RUNTIME_STORAGE_SETTING: Path("taskhub/hostjson.py"),
    # The Durable Functions 1.x keys: read by taskhub/hostjson.py `read_durable` alone.
    V1_CONNECTION: Path("taskhub/hostjson.py"),
    V1_TRACKING: Path("taskhub/hostjson.py"),
    # Written by components/routing.py, read by apps/router.
    ROUTER_STORAGE_SETTING: Path("taskhub/routes.py"),
    ROUTER_PREFIX_SETTING: Path("taskhub/routes.py"),
    # Read by apps/router, written by the rehearsal and the bench.
    ROUTER_ALLOWED_HOSTS_SETTING: Path("taskhub/routes.py"),
    ROUTER_PUBLIC_URL_SETTING: Path("taskhub/routes.py"),
    # Written by components/ for apps on the Durable Task Scheduler, read by policies/.
    **dict.fromkeys(
        (DEFAULT_CONNECTION_SETTING, PROVIDER_TYPE, *(role.value for role in SchedulerRole)),
        Path("taskhub/scheduler_settings.py"),
    ),
}


def _string_constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in FACTS}


def test_each_fact_is_spelled_out_in_its_home_only() -> None:
    files = [p for folder in CHECKED for p in sorted((ROOT / folder).rglob("*.py"))]
    assert len(files) > 50  # the walk found the tree
    spelled = {
        fact: sorted(str(p.relative_to(ROOT)) for p in files if fact in _string_constants(p))
        for fact in FACTS
    }
    assert spelled == {fact: [str(home)] for fact, home in FACTS.items()}


# --- One rule for which setting a connection name resolves to (taskhub/storage_account.py),
# used by the pack and the release on app settings and by --connection-setting on a
# pipeline's environment. The host's order (azure-functions-durable-extension v3.x
# WebJobsConnectionInfoProvider.Resolve, WebJobs GetWebJobsConnectionSection):
# ConnectionStrings:AzureWebJobs<NAME>, AzureWebJobs<NAME>, ConnectionStrings:<NAME>, <NAME>;
# App Service's "Custom" connection strings arrive as CUSTOMCONNSTR_<NAME> (.NET
# EnvironmentVariablesConfigurationProvider files them under ConnectionStrings:<NAME>).
PRECEDENCE: dict[str, tuple[dict[str, str], str | None]] = {
    **CASES,
    "prefixed connection string before the plain one": (
        {f"AzureWebJobs{NAME}": f"AccountName=ordersnew;AccountKey={KEY}", NAME: "AccountName=x"},
        "ordersnew",
    ),
    "a Custom connection string before the plain setting": (
        {f"CUSTOMCONNSTR_{NAME}": f"AccountName=ordersnew;AccountKey={KEY}", NAME: "AccountName=x"},
        "ordersnew",
    ),
    "an empty prefixed setting still shadows the plain one": (
        {f"AzureWebJobs{NAME}": "", NAME: f"AccountName=ordersold;AccountKey={KEY}"},
        None,
    ),
    "__ or : alike": ({f"{NAME}:accountName": "ordersprod"}, "ordersprod"),
}


@pytest.mark.parametrize("case", PRECEDENCE)
def test_every_reader_of_a_connection_setting_takes_the_same_setting(case: str) -> None:
    """The pack's and the release's account and --connection-setting's endpoint agree."""
    settings, account = PRECEDENCE[case]
    assert storage_account(settings, NAME) == account
    assert storage_target(settings, NAME) == account
    try:
        endpoint: str | None = StorageConnection.from_setting(NAME, settings).endpoint
    except ConfigurationError:
        endpoint = None
    assert (endpoint_account(endpoint) if endpoint else None) == account


# --- One reader of the durable connection name (taskhub/hostjson.py `DurableReading`). The
# pack weighs what a program declares, in either version's form (the package's host.json is
# out of a preview's sight, so it takes the extension's default when nothing is named); the
# release must be exact, so it reads what every version that may run reads, or asks. Keys as
# the Azure docs' host.json reference names them (connectionName, connectionStringName,
# azureStorageConnectionStringName for 1.x).
HUB = override_setting("hubName")
DURABLE: dict[str, tuple[dict[str, str], str, str | None]] = {
    "connectionName": ({override_setting("storageProvider", "connectionName"): NAME}, NAME, NAME),
    "connectionStringName": (
        {override_setting("storageProvider", "connectionStringName"): NAME},
        NAME,
        NAME,
    ),
    "any case, colons": (
        {"azurefunctionsjobhost:extensions:durabletask:storageprovider:CONNECTIONNAME": NAME},
        NAME,
        NAME,
    ),
    "the 1.x form alone": ({override_setting(V1_CONNECTION): NAME}, NAME, None),
    "no connection named": ({}, RUNTIME_STORAGE_SETTING, None),
}


class _Slots:
    """The one method `slot_hub` calls on ARM: a slot's live app settings."""

    def __init__(self, settings: dict[str, str]) -> None:
        self._settings = settings

    def settings(self, slot: str) -> dict[str, str]:
        return self._settings


@pytest.mark.parametrize("case", DURABLE)
def test_the_pack_and_the_release_read_one_durable_connection(case: str) -> None:
    named, declared, certain = DURABLE[case]
    settings = {HUB: "OrdersHub", NAME: "UseDevelopmentStorage=true", **named}
    assert connection_name(settings) == declared
    drain = DrainArgs(None, None, None, None, None, 0, environ={})
    if certain is None:
        with pytest.raises(ConfigurationError) as info:
            slot_hub(cast(AppSlots, _Slots(settings)), PRODUCTION_SLOT, drain, None)
        assert "--connection-setting" in info.value.fix
    else:
        found = slot_hub(cast(AppSlots, _Slots(settings)), PRODUCTION_SLOT, drain, None)
        assert found.source.endswith(f"({certain})")


# --- The house, step 2: one convention per fact (issue #24 item 6) ---

CI_VARIABLES = (
    "GITHUB_ACTIONS",
    "GITHUB_RUN_ID",
    "GITHUB_ACTOR",
    "GITHUB_OUTPUT",
    "TF_BUILD",
    "BUILD_BUILDID",
    "BUILD_REQUESTEDFOR",
    "BUILD_REQUESTEDFOREMAIL",
)
CI_HOME = Path("scripts/cli/ci.py")
SHIPPED_CODE = ("taskhub", "components", "policies", "scripts")


def _shipped_files() -> list[Path]:
    return [p for folder in SHIPPED_CODE for p in sorted((ROOT / folder).rglob("*.py"))]


def _constants(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
    }


def test_ci_facts_are_read_in_one_module() -> None:
    spelled = {
        str(p.relative_to(ROOT)) for p in _shipped_files() if _constants(p) & set(CI_VARIABLES)
    }
    assert spelled == {str(CI_HOME)}
    assert set(CI_VARIABLES) <= _constants(ROOT / CI_HOME)


# The pack runs in a process of its own, which inherits this one's environment: plumbing,
# not a fact a stage decides on.
CHILD_ENVIRONMENT = Path("scripts/stages/policy_check.py")


def _reads_environment(path: Path) -> bool:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return any(
        isinstance(n, ast.Attribute)
        and n.attr in ("environ", "getenv")
        and isinstance(n.value, ast.Name)
        and n.value.id == "os"
        for n in ast.walk(tree)
    )


def test_stages_and_the_core_receive_values_instead_of_reading_the_environment() -> None:
    readers = [
        str(p.relative_to(ROOT))
        for folder in ("taskhub", "scripts/stages")
        for p in sorted((ROOT / folder).rglob("*.py"))
        if _reads_environment(p)
    ]
    assert readers == [str(CHILD_ENVIRONMENT)]


def _options() -> list[tuple[str, Any]]:
    from typer.core import TyperGroup
    from typer.main import get_group

    from scripts.cli.app import app
    from scripts.cli.commands import register_all

    register_all()

    def walk(group: Any, prefix: str = "") -> list[tuple[str, Any]]:
        found = []
        for name, command in group.commands.items():
            if isinstance(command, TyperGroup):
                found += walk(command, f"{prefix}{name} ")
            else:
                found += [(f"{prefix}{name} {p.opts[0]}", p) for p in command.params if p.opts]
        return found

    return walk(get_group(app))


def _read(param: Any, text: str) -> Any:
    """`text` as typer hands it to the command for `param`."""
    return param.process_value(None, text)


TIME_WORDS = ("timeout", "interval", "retention", "window", "duration", "since")


def test_every_duration_option_takes_a_unit() -> None:
    from scripts.cli.options import DURATION_METAVAR

    timed = [(name, p) for name, p in _options() if any(w in name for w in TIME_WORDS)]
    assert len(timed) >= 10  # gate, versions, release (x4), retire, routes ramp-watch (x3), replay
    for name, param in timed:
        assert param.metavar == DURATION_METAVAR, name
        for text, seconds in (("30s", 30), ("15m", 900), ("2h", 7200), ("7d", 604800)):
            assert _read(param, text) == seconds, (name, text)


def test_a_bare_number_keeps_each_options_old_unit() -> None:
    options = dict(_options())
    assert _read(options["gate --timeout"], "15") == 15
    assert _read(options["versions --interval"], "15") == 15
    assert _read(options["release --verify-timeout"], "15") == 15
    assert _read(options["retire --retention"], "30") == 30 * 86400


def test_one_enum_parser() -> None:
    by_typer = [
        name
        for name, p in _options()
        if p.type_descriptor.is_choice and p.type_descriptor.parameter_info.parser is None
    ]
    assert by_typer == []  # --ci, --action: through parse_enum, in any case
    options = dict(_options())
    assert _read(options["swap --action"], "Preview") == "preview"
    assert _read(options["gate --ci"], "GitHub") == "github"


def test_errors_and_hubs_import_no_circle_and_the_rules_ignore_none() -> None:
    tree = ast.parse((ROOT / "taskhub" / "errors.py").read_text(encoding="utf-8"))
    imported = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    assert "taskhub.hubs" not in imported
    assert "ignore_imports" not in _acyclic_contract()


def _acyclic_contract() -> dict[str, Any]:
    import tomllib

    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    found: dict[str, Any] = next(c for c in contracts if c["type"] == "acyclic_siblings")
    return found
