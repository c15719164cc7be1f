import io
from pathlib import Path

from scripts.cli.annotations import Annotator, CiSystem, detect


def test_auto_detects_each_runner() -> None:
    assert detect(CiSystem.AUTO, {"GITHUB_ACTIONS": "true"}) is CiSystem.GITHUB
    assert detect(CiSystem.AUTO, {"TF_BUILD": "True"}) is CiSystem.AZURE_DEVOPS
    assert detect(CiSystem.AUTO, {}) is CiSystem.NONE
    assert detect(CiSystem.NONE, {"GITHUB_ACTIONS": "true"}) is CiSystem.NONE


def test_github_commands_are_escaped(tmp_path: Path) -> None:
    stream = io.StringIO()
    outputs = tmp_path / "out"
    annotator = Annotator(CiSystem.GITHUB, stream, {"GITHUB_OUTPUT": str(outputs)})
    annotator.message("error", "gate: a,b", "50% done\nnext")
    annotator.outputs({"drained": "false"})
    assert stream.getvalue() == "::error title=gate%3A a%2Cb::50%25 done%0Anext\n"
    assert outputs.read_text() == "drained=false\n"


def test_azure_pipelines_commands() -> None:
    stream = io.StringIO()
    annotator = Annotator(CiSystem.AZURE_DEVOPS, stream, {})
    annotator.message("warning", "gate", "x;y\nz")
    annotator.outputs({"drained": "true"})
    lines = stream.getvalue().splitlines()
    assert lines[0] == "##vso[task.logissue type=warning]gate: x;y%0Az"
    assert lines[1] == "##vso[task.setvariable variable=drained;isOutput=true]true"


def test_none_writes_nothing() -> None:
    stream = io.StringIO()
    annotator = Annotator(CiSystem.NONE, stream, {})
    annotator.message("error", "t", "m")
    annotator.outputs({"a": "b"})
    assert stream.getvalue() == ""
