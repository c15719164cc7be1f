"""The rule catalogue: one id, level, durable alternative and docs anchor per rule.

Ids follow the intent of Microsoft's Roslyn analyzer for C# orchestrators
(microsoft/durabletask-dotnet src/Analyzers/AnalyzerReleases.Shipped.md, DURABLE0001-0011)
so a team that knows one knows the other; the mapping is in docs/lint.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

DOCS = "docs/lint.md"
"""Where each rule is explained, relative to the repository root."""


class RuleId(StrEnum):
    """The codes users write in `# noqa`, config and `--select`; JSON and SARIF carry the value."""

    WALL_CLOCK = "DDZ001"
    RANDOMNESS = "DDZ002"
    WAITING = "DDZ003"
    THREADS_AND_ASYNC = "DDZ004"
    IO = "DDZ005"
    ENVIRONMENT = "DDZ006"
    NEVER_YIELDED = "DDZ007"
    UNKNOWN_NAME = "DDZ008"
    UNBOUNDED_LOOP = "DDZ009"
    MODULE_STATE = "DDZ010"
    REPLAY_LOGGING = "DDZ011"
    DUPLICATE_NAME = "DDZ012"


class Level(StrEnum):
    """SARIF's result levels; only `error` fails the lint (exit 1)."""

    ERROR = "error"
    WARNING = "warning"
    NOTE = "note"


@dataclass(frozen=True)
class Rule:
    id: RuleId
    title: str
    level: Level
    problem: str
    """What the flagged code does, completing "<code> ..."."""
    fix: str
    """The durable alternative, one line."""

    @property
    def anchor(self) -> str:
        """GitHub's anchor of the docs/lint.md heading `### <id> <title>`."""
        heading = f"{self.id} {self.title}".lower()
        return re.sub(r"[^a-z0-9 -]", "", heading).replace(" ", "-")

    @property
    def help_ref(self) -> str:
        return f"{DOCS}#{self.anchor}"


CATALOGUE: tuple[Rule, ...] = (
    Rule(
        RuleId.WALL_CLOCK,
        "wall clock",
        Level.ERROR,
        "reads the wall clock, which differs on every replay",
        "use context.current_utc_datetime",
    ),
    Rule(
        RuleId.RANDOMNESS,
        "randomness and new ids",
        Level.ERROR,
        "makes a new random value or id on every replay",
        "use context.new_uuid() (or pass the value in as input)",
    ),
    Rule(
        RuleId.WAITING,
        "waiting",
        Level.ERROR,
        "blocks the orchestrator thread and is not recorded in the history",
        "use yield context.create_timer(fire_at)",
    ),
    Rule(
        RuleId.THREADS_AND_ASYNC,
        "threads and async",
        Level.ERROR,
        "runs work outside the durable task scheduler, in an order replay cannot repeat",
        "yield durable tasks and combine them with context.task_all / context.task_any",
    ),
    Rule(
        RuleId.IO,
        "I/O",
        Level.ERROR,
        "does I/O whose result is not recorded and may differ on replay",
        "move it into an activity (or use context.call_http)",
    ),
    Rule(
        RuleId.ENVIRONMENT,
        "environment",
        Level.ERROR,
        "reads the environment, which differs between slots, deployments and replays",
        "pass the value as orchestration input or read it in an activity",
    ),
    Rule(
        RuleId.NEVER_YIELDED,
        "durable call never yielded",
        Level.ERROR,
        "creates a durable task that is never yielded",
        "yield it, or pass it to context.task_all / context.task_any and yield that",
    ),
    Rule(
        RuleId.UNKNOWN_NAME,
        "unknown function name",
        Level.ERROR,
        "is not a function the app defines (names match case-insensitively)",
        "call a name the app registers",
    ),
    Rule(
        RuleId.UNBOUNDED_LOOP,
        "unbounded loop",
        Level.WARNING,
        "loops forever adding to the history, which grows without bound",
        "call context.continue_as_new(state) at the end of each round",
    ),
    Rule(
        RuleId.MODULE_STATE,
        "module state written",
        Level.ERROR,
        "writes module-level state, which lives on between orchestrations and replays",
        "keep state in local variables, the orchestration input or a durable entity",
    ),
    Rule(
        RuleId.REPLAY_LOGGING,
        "logging during replay",
        Level.NOTE,
        "logs on every replay as well, so each line repeats",
        "log under `if not context.is_replaying:`",
    ),
    Rule(
        RuleId.DUPLICATE_NAME,
        "duplicate function name",
        Level.ERROR,
        "registers a name another function of the app already has (names match "
        "case-insensitively), and the host refuses to index the app",
        "give each function its own name",
    ),
)
RULES: dict[RuleId, Rule] = {rule.id: rule for rule in CATALOGUE}
