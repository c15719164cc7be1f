"""CI annotations: GitHub Actions workflow commands and Azure Pipelines logging commands.

Both runners read these from stderr as well as stdout, so they go to stderr and stdout
stays clean for `--json`. Outputs are also published as step outputs / pipeline variables
so a later step can branch on them without parsing JSON. Titles, messages and values are
neutralised (`scripts.cli.untrusted`) before they are escaped for the runner: they quote
row data, and only the commands written here may be live.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Literal, TextIO

from scripts.cli.ci import CiFacts, CiSystem
from scripts.cli.options import enum_option
from scripts.cli.untrusted import neutralise
from taskhub.secrets import redact

__all__ = ["Annotator", "CiOption", "CiSystem", "Level", "SourceLocation"]


CiOption = Annotated[
    CiSystem,
    enum_option(
        CiSystem,
        "Annotations and step outputs for this CI system; auto detects GitHub Actions "
        "and Azure Pipelines.",
    ),
]


def _lines(text: str) -> str:
    """`text` neutralised line by line: its line breaks are the runner's to escape (%0A),
    which keeps a multi-line message one annotation and one line on the wire."""
    return "\n".join(neutralise(line) for line in text.split("\n"))


def _github_data(text: str) -> str:
    text = _lines(text)
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _github_property(text: str) -> str:
    return _github_data(text).replace(":", "%3A").replace(",", "%2C")


def _azure_data(text: str) -> str:
    text = _lines(text)
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

    def __init__(self, ci: CiSystem | CiFacts, stream: TextIO | None = None) -> None:
        """`ci`: the facts already read, or the `--ci` choice to read them for."""
        self._ci = ci if isinstance(ci, CiFacts) else CiFacts.read(ci)
        self.system = self._ci.system
        self._stream = stream or sys.stderr

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
                self._write(neutralise(f"{title}: {text}"))

    def outputs(self, values: Mapping[str, str]) -> None:
        """Step outputs (GitHub) or output variables (Azure Pipelines)."""
        if self.system is CiSystem.GITHUB:
            path = self._ci.output_file
            if path:
                with open(path, "a", encoding="utf-8") as out:
                    for key, value in values.items():
                        out.write(redact(neutralise(f"{key}={value}")) + "\n")
        elif self.system is CiSystem.AZURE_DEVOPS:
            for key, value in values.items():
                self._write(
                    f"##vso[task.setvariable variable={_azure_property(key)};isOutput=true]"
                    f"{_azure_data(value)}"
                )
