"""What the CI system running us says about itself, read from the environment in one place.

GitHub Actions sets `GITHUB_ACTIONS=true`, `GITHUB_RUN_ID`, `GITHUB_ACTOR`, and the file
`GITHUB_OUTPUT` (step outputs) ("Variables" reference, default environment variables); the
job summary is the workflow's to write (pipelines/github-actions/release-slots.yml).
Azure Pipelines sets `TF_BUILD=True`, `BUILD_BUILDID`,
`BUILD_REQUESTEDFOR` and `BUILD_REQUESTEDFOREMAIL` ("Predefined variables"). Outside CI the
local user names the actor. Stages never read these: the CLI reads them here and hands the
values on (the ledger's actor and run, the release id).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum


class CiSystem(StrEnum):
    AUTO = "auto"
    GITHUB = "github"
    AZURE_DEVOPS = "azure-devops"
    NONE = "none"


_RUN_ID = ("GITHUB_RUN_ID", "BUILD_BUILDID")
_ACTOR = (
    "GITHUB_ACTOR",
    "BUILD_REQUESTEDFOR",
    "BUILD_REQUESTEDFOREMAIL",
    "USER",
    "LOGNAME",
    "USERNAME",
)


def _first(environ: Mapping[str, str], names: tuple[str, ...]) -> str:
    return next((environ[name] for name in names if environ.get(name)), "")


@dataclass(frozen=True)
class CiFacts:
    system: CiSystem
    """The CI system annotations are written for (never AUTO once read)."""
    run_id: str = ""
    """The pipeline run's id: the same when a run is retried, so a re-run is recognised."""
    actor: str = "unknown"
    """Who started the run (the local user outside CI)."""
    output_file: str | None = None

    @classmethod
    def read(
        cls, choice: CiSystem = CiSystem.AUTO, environ: Mapping[str, str] = os.environ
    ) -> CiFacts:
        """`choice` wins over detection; `auto` asks the variables each runner sets."""
        system = choice
        if choice is CiSystem.AUTO:
            if environ.get("GITHUB_ACTIONS") == "true":
                system = CiSystem.GITHUB
            elif environ.get("TF_BUILD", "").lower() == "true":
                system = CiSystem.AZURE_DEVOPS
            else:
                system = CiSystem.NONE
        return cls(
            system=system,
            run_id=_first(environ, _RUN_ID),
            actor=_first(environ, _ACTOR) or "unknown",
            output_file=environ.get("GITHUB_OUTPUT") or None,
        )
