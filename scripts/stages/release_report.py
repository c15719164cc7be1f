"""What a release reports: its stages, in the order they ran, and how it ended.

The JSON of `release --json` is built here, so the stage names and statuses a pipeline
branches on have one home.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from scripts.stages.exits import Exit


class StageName(StrEnum):
    """The release's stages, in the order they run (`stage` and `failed_stage` in its JSON)."""

    LINT = "lint"
    CHECK = "check"
    REPLAY = "replay"
    QUIESCE = "quiesce"
    GATE = "gate"
    SWAP = "swap"
    VERIFY = "verify"
    RESUME = "resume"


class StageStatus(StrEnum):
    """A stage's `status` in the release report."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class Stage:
    name: StageName
    status: StageStatus = StageStatus.SKIPPED
    seconds: float = 0.0
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            **self.detail,
        }


@dataclass
class ReleaseReport:
    app: str
    source: str
    target: str
    release_id: str
    stages: list[Stage] = field(default_factory=list)
    exit: Exit = Exit.OK
    failed: StageName | None = None
    next_step: str | None = None
    unexpected: BaseException | None = None
    """An exception no stage anticipated (not in the JSON: its traceback is for --debug)."""

    def json(self) -> dict[str, Any]:
        """The report as `release --json` shows it (the CLI adds `command` and `exit_code`)."""
        where = {"app": self.app, "source": self.source, "target": self.target}
        return where | {
            "release_id": self.release_id,
            "released": self.exit is Exit.OK,
            "failed_stage": self.failed,
            "next": self.next_step,
            "stages": [s.json() for s in self.stages],
            "seconds": round(sum(s.seconds for s in self.stages), 3),
        }
