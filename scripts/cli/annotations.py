"""CI annotations: GitHub Actions workflow commands and Azure Pipelines logging commands.

Both runners read these from stderr as well as stdout, so they go to stderr and stdout
stays clean for `--json`. Outputs are also published as step outputs / pipeline variables
so a later step can branch on them without parsing JSON.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Annotated, Literal, TextIO

import typer

from taskhub.secrets import redact


class CiSystem(StrEnum):
    AUTO = "auto"
    GITHUB = "github"
    AZURE_DEVOPS = "azure-devops"
    NONE = "none"


CiOption = Annotated[
    CiSystem,
    typer.Option(
        help="Annotations and step outputs for this CI system; auto detects GitHub Actions "
        "and Azure Pipelines."
    ),
]


def detect(choice: CiSystem, environ: Mapping[str, str] = os.environ) -> CiSystem:
    """Resolve `auto` from the variables each runner sets on every job."""
    if choice is not CiSystem.AUTO:
        return choice
    if environ.get("GITHUB_ACTIONS") == "true":
        return CiSystem.GITHUB
    if environ.get("TF_BUILD", "").lower() == "true":
        return CiSystem.AZURE_DEVOPS
    return CiSystem.NONE


def _github_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def _azure_data(text: str) -> str:
    return text.replace("%", "%AZP25").replace("\r", "%0D").replace("\n", "%0A")


def _azure_property(text: str) -> str:
    return _azure_data(text).replace(";", "%3B").replace("]", "%5D")


@dataclass(frozen=True)
class SourceLocation:
    """A file (relative to the checkout) and a 1-based line and column."""

    file: str
    line: int
    col: int = 1


Level = Literal["error", "warning", "notice"]
"""The annotation levels both CI systems know (Azure Pipelines writes notices as lines)."""


class Annotator:
    """Writes annotations for one CI system (or nothing, for `none`)."""

    def __init__(
        self,
        system: CiSystem,
        stream: TextIO | None = None,
        environ: Mapping[str, str] = os.environ,
    ) -> None:
        self.system = detect(system, environ)
        self._stream = stream or sys.stderr
        self._environ = environ

    def _write(self, line: str) -> None:
        print(redact(line), file=self._stream, flush=True)

    def message(
        self, level: Level, title: str, text: str, *, where: SourceLocation | None = None
    ) -> None:
        """`where` pins the annotation to a line of a file."""
        if self.system is CiSystem.GITHUB:
            place = ""
            if where:
                place = f"file={_github_property(where.file)},line={where.line},col={where.col},"
            self._write(f"::{level} {place}title={_github_property(title)}::{_github_data(text)}")
        elif self.system is CiSystem.AZURE_DEVOPS:
            # Azure Pipelines has no "notice" issue type; plain lines carry those.
            if level in ("error", "warning"):
                place = ""
                if where:
                    place = (
                        f";sourcepath={_azure_property(where.file)};linenumber={where.line}"
                        f";columnnumber={where.col}"
                    )
                self._write(
                    f"##vso[task.logissue type={level}{place}]{_azure_data(f'{title}: {text}')}"
                )
            else:
                self._write(f"{title}: {text}")

    def outputs(self, values: Mapping[str, str]) -> None:
        """Step outputs (GitHub) or output variables (Azure Pipelines)."""
        if self.system is CiSystem.GITHUB:
            path = self._environ.get("GITHUB_OUTPUT")
            if path:
                with open(path, "a", encoding="utf-8") as out:
                    for key, value in values.items():
                        out.write(redact(f"{key}={value}") + "\n")
        elif self.system is CiSystem.AZURE_DEVOPS:
            for key, value in values.items():
                self._write(
                    f"##vso[task.setvariable variable={_azure_property(key)};isOutput=true]"
                    f"{_azure_data(value)}"
                )

    def summary(self, markdown: str) -> None:
        """The job summary page (GitHub) or a summary section (Azure Pipelines)."""
        if self.system is CiSystem.GITHUB:
            path = self._environ.get("GITHUB_STEP_SUMMARY")
            if path:
                with open(path, "a", encoding="utf-8") as out:
                    out.write(redact(markdown.rstrip()) + "\n")
