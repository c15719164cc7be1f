"""The lint reads an app the way the Functions host and Core Tools do: function.json through
Newtonsoft's leniencies, `.funcignore` through Core Tools' own matcher, one app object from
function_app.py, and one app it cannot lint never hides the others."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scripts.stages.exits import Exit
from scripts.stages.lint import apis, function_json
from scripts.stages.lint.engine import lint
from scripts.stages.lint.funcignore import FuncIgnore
from scripts.stages.lint.rules import CATALOGUE, RULES, RuleId
from scripts.stages.lint.stage import lint_stage
from scripts.stages.release import StageFailed
from taskhub.errors import ConfigurationError
from tests.lint_support import FIXTURES

# Newtonsoft's JsonTextReader (what `JObject.Parse` in the host's
# HostFunctionMetadataProvider.ReadFunctionMetadata uses) skips comments, accepts a comma
# before a closing bracket and strings in single quotes.
LENIENT = [
    ('{"bindings": [] // trailing comment\n}', {"bindings": []}),
    ('{/* a */ "bindings": [1, 2,],}', {"bindings": [1, 2]}),
    (
        "{'type': 'activityTrigger', \"name\": 'it\\'s'}",
        {"type": "activityTrigger", "name": "it's"},
    ),
    ('{"url": "http://x/*y*/", "c": "a // b"}', {"url": "http://x/*y*/", "c": "a // b"}),
    ('{"q": "say \\"hi\\", ]"}', {"q": 'say "hi", ]'}),
]


@pytest.mark.parametrize(("text", "value"), LENIENT)
def test_function_json_is_read_with_newtonsofts_leniencies(text: str, value: object) -> None:
    assert function_json.loads(text) == value


@pytest.mark.parametrize("text", ['{"bindings": [', "{bindings: []}", "", '{"a": 1} x'])
def test_what_newtonsoft_refuses_too_is_refused(text: str) -> None:
    with pytest.raises(ValueError):
        function_json.loads(text)


# Core Tools' GitIgnoreParser (src/Azure.Functions.Cli/Common/GitIgnoreParser.cs): patterns
# match at the start of the app-relative path, `*` stays within a folder, `**` does not,
# `!` re-admits, a leading `/` is dropped, `#` lines are comments.
FUNCIGNORE = "# published without these\n/tests\n*.md\ndocs/**/draft*\n!README.md\n.venv\n"
DENIED = [
    ("tests/test_flow.py", True),
    ("tests", True),
    ("testsuite.py", True),  # no anchor at the end: Core Tools' prefix match
    ("app/tests/x.py", False),
    ("notes.md", True),
    ("README.md", False),
    ("docs/a/b/draft1.txt", True),
    ("docs/draft1.txt", False),
    (".venv/lib/x.py", True),
    ("function_app.py", False),
]


@pytest.mark.parametrize(("path", "denied"), DENIED)
def test_funcignore_matches_as_core_tools_does(tmp_path: Path, path: str, denied: bool) -> None:
    (tmp_path / ".funcignore").write_text(FUNCIGNORE)
    assert FuncIgnore.of(tmp_path).denies(path) is denied


def test_no_funcignore_denies_nothing(tmp_path: Path) -> None:
    assert not FuncIgnore.of(tmp_path).denies("tests/x.py")


PURE = [
    "urllib.parse.quote",
    "urllib.parse.urlencode",
    "azure.storage.blob.generate_blob_sas",
    "azure.storage.blob.BlobSasPermissions",
    "azure.storage.queue.generate_queue_sas",
    "azure.data.tables.generate_table_sas",
    "requests.adapters.HTTPAdapter",
    "requests.Request",
    "urllib3.util.retry.Retry",
    "httpx.Timeout",
    "azure.core.credentials.AzureNamedKeyCredential",
]
IO = [
    "builtins.open",
    "requests.get",
    "requests.post",
    "httpx.get",
    "urllib.request.urlopen",
    "pandas.read_csv",
    "pandas.read_sql",
    "pandas.read_parquet",
    "pyodbc.connect",
    "azure.cosmos.exceptions",
    "socket.create_connection",
]
CLIENTS = [
    "azure.storage.blob.BlobServiceClient",
    "azure.storage.blob.BlobServiceClient.from_connection_string",
    "azure.data.tables.TableClient.from_table_url",
    "azure.identity.DefaultAzureCredential",
    "requests.Session",
    "httpx.Client",
]


@pytest.mark.parametrize("dotted", PURE)
def test_known_pure_apis_are_not_io(dotted: str) -> None:
    found = apis.match(dotted)
    assert found is not None and found.rule is None and not apis.client_factory(dotted)


@pytest.mark.parametrize("dotted", IO)
def test_known_io_apis_are_io(dotted: str) -> None:
    found = apis.match(dotted)
    assert found is not None and found.rule is RuleId.IO and not apis.client_factory(dotted)


@pytest.mark.parametrize("dotted", CLIENTS)
def test_building_a_client_sends_nothing_its_calls_do(dotted: str) -> None:
    assert apis.client_factory(dotted)


def _app(root: Path, function_app: str, **files: str) -> Path:
    root.mkdir(parents=True)
    (root / "function_app.py").write_text(function_app)
    for name, text in files.items():
        (root / f"{name}.py").write_text(text)
    return root


def test_one_app_that_cannot_be_linted_never_stops_the_others(tmp_path: Path) -> None:
    shutil.copytree(FIXTURES / "ddz001" / "finding", tmp_path / "a_clock")
    broken = _app(tmp_path / "b_broken", "import helpers\n", helpers="def broken(:\n")
    shutil.copytree(FIXTURES / "ddz002" / "finding", tmp_path / "c_random")
    report = lint([tmp_path])
    assert [f.root for f in report.failures] == [broken]
    assert isinstance(report.failures[0].error, ConfigurationError)
    assert "helpers.py:1:" in str(report.failures[0].error)
    assert {f.rule.id for f in report.findings} == {RuleId.WALL_CLOCK, RuleId.RANDOMNESS}


def test_a_module_the_app_never_imports_may_not_parse(tmp_path: Path) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "ddz001" / "clean", root)
    (root / "old_script.py").write_text("print 'python 2'\n")
    report = lint([root])
    assert not report.failures and report.findings == []
    assert any("old_script.py:1:" in note for note in report.apps[0].notes)


def test_function_app_py_with_two_app_objects_cannot_be_linted(tmp_path: Path) -> None:
    root = _app(
        tmp_path / "app",
        "import azure.durable_functions as df\nimport azure.functions as func\n"
        "app = df.DFApp()\nhttp = func.FunctionApp()\n"
        "@app.orchestration_trigger(context_name='context')\ndef run(context):\n"
        "    yield context.call_activity('Work', None)\n",
    )
    report = lint([root])
    assert "More than one" in str(report.failures[0].error) or "more than one" in str(
        report.failures[0].error
    )


def test_rule_ids_are_an_enum_whose_values_are_the_codes_users_write() -> None:
    assert [rule.id for rule in CATALOGUE] == list(RuleId)
    assert set(RULES) == set(RuleId)
    assert json.dumps({"rule": RuleId.WALL_CLOCK}) == '{"rule": "DDZ001"}'
    finding = lint([FIXTURES / "ddz001" / "finding"]).findings[0]
    assert json.loads(json.dumps(finding.json()))["rule"] == "DDZ001"


@pytest.mark.parametrize(
    ("function_json_text", "says"),
    [
        ('["not", "an", "object"]', "needs a `bindings` list"),
        ('{"bindings": "orchestrationTrigger"}', "needs a `bindings` list"),
        ('{"bindings": [7, {"type": "activityTrigger"}], "scriptFile": "gone.py"}', "gone.py"),
        ("\x00\xff{", "cannot"),
    ],
)
def test_a_function_json_the_host_cannot_load_turns_off_that_function_only(
    tmp_path: Path, function_json_text: str, says: str
) -> None:
    root = tmp_path / "app"
    shutil.copytree(FIXTURES / "v1_app", root)
    (root / "Hello" / "function.json").write_text(function_json_text, encoding="latin-1")
    report = lint([root])
    assert not report.failures
    assert any("Hello" in note and says in note for note in report.apps[0].notes)
    assert "Hello" not in report.apps[0].json()["functions"]["activity"]


def test_the_release_stage_says_cannot_for_an_app_it_cannot_lint(tmp_path: Path) -> None:
    _app(tmp_path / "app", "import helpers\n", helpers="def broken(:\n")
    said: list[str] = []
    with pytest.raises(StageFailed) as failed:
        lint_stage(tmp_path / "app")(said.append)
    assert failed.value.exit is Exit.CANNOT_DECIDE
    assert "helpers.py:1:" in str(failed.value)


BLUEPRINT = (
    "import azure.durable_functions as df\nbp = df.Blueprint()\n"
    "@bp.activity_trigger(input_name='order')\ndef {name}(order):\n    return order\n"
)
ORCHESTRATOR = (
    "@app.orchestration_trigger(context_name='context')\ndef run(context):\n"
    "    yield context.call_activity('Ship', None)\n"
    "    yield context.call_activity('Shpi', None)\n"
)


@pytest.mark.parametrize(
    "registration",
    [
        "BLUEPRINTS = [ship.bp, bill.bp]\n"
        "for each in BLUEPRINTS:\n    app.register_functions(each)\n",
        "for each in get_blueprints():\n    app.register_functions(each)\n",
        "for name in NAMES:\n    app.register_functions(importlib.import_module(name).bp)\n",
    ],
    ids=["module-level list", "computed list", "importlib"],
)
def test_blueprints_registered_from_a_list_count_and_a_typo_still_shows(
    tmp_path: Path, registration: str
) -> None:
    header = (
        "import importlib\nimport azure.durable_functions as df\nimport ship, bill\n"
        "from registry import NAMES, get_blueprints\napp = df.DFApp()\n"
    )
    root = _app(
        tmp_path / "app",
        header + registration + ORCHESTRATOR,
        ship=BLUEPRINT.format(name="Ship"),
        bill=BLUEPRINT.format(name="Bill"),
        registry="NAMES = ['ship', 'bill']\ndef get_blueprints():\n    return []\n",
    )
    findings = lint([root]).findings
    assert [(f.rule.id, f.message.split(" in ")[0]) for f in findings] == [
        (RuleId.UNKNOWN_NAME, "activity 'Shpi'")
    ]
