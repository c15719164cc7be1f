import io
from pathlib import Path

from scripts.cli.annotations import Annotator
from scripts.cli.ci import CiFacts, CiSystem


def _system(choice: CiSystem, environ: dict[str, str]) -> CiSystem:
    return CiFacts.read(choice, environ).system


def test_auto_detects_each_runner() -> None:
    assert _system(CiSystem.AUTO, {"GITHUB_ACTIONS": "true"}) is CiSystem.GITHUB
    assert _system(CiSystem.AUTO, {"TF_BUILD": "True"}) is CiSystem.AZURE_DEVOPS
    assert _system(CiSystem.AUTO, {}) is CiSystem.NONE
    assert _system(CiSystem.NONE, {"GITHUB_ACTIONS": "true"}) is CiSystem.NONE


def test_github_commands_are_escaped(tmp_path: Path) -> None:
    stream = io.StringIO()
    outputs = tmp_path / "out"
    annotator = Annotator(CiFacts(CiSystem.GITHUB, output_file=str(outputs)), stream)
    annotator.message("error", "gate: a,b", "50% done\nnext")
    annotator.outputs({"drained": "false"})
    assert stream.getvalue() == "::error title=gate%3A a%2Cb::50%25 done%0Anext\n"
    assert outputs.read_text() == "drained=false\n"


def test_azure_pipelines_commands() -> None:
    stream = io.StringIO()
    annotator = Annotator(CiFacts(CiSystem.AZURE_DEVOPS), stream)
    annotator.message("warning", "gate", "x;y\nz")
    annotator.outputs({"drained": "true"})
    lines = stream.getvalue().splitlines()
    assert lines[0] == "##vso[task.logissue type=warning]gate: x;y%0Az"
    assert lines[1] == "##vso[task.setvariable variable=drained;isOutput=true]true"


def test_none_writes_nothing() -> None:
    stream = io.StringIO()
    annotator = Annotator(CiFacts(CiSystem.NONE), stream)
    annotator.message("error", "t", "m")
    annotator.outputs({"a": "b"})
    assert stream.getvalue() == ""
