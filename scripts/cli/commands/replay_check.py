"""`durable-deploy replay-check`: does the new orchestrator code replay every in-flight history?"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options import duration_option, shared_options
from scripts.cli.options.hub import HubArgs, with_hub_options
from scripts.cli.output import Answer, JsonOption, Output
from scripts.stages.replay.app import load_orchestration
from scripts.stages.replay.hub import (
    DEFAULT_CONCURRENCY,
    DEFAULT_PER_VERSION,
    PrefixReport,
    Selection,
    replay_completed,
    replay_exit,
    replay_unfinished,
)
from scripts.stages.replay.judge import FAILING, Outcome, Replay, describe
from scripts.stages.replay.numbering import Orchestration
from taskhub.instance_rows import InstanceRecord

APP_PANEL = "The orchestrator code"


@dataclass(frozen=True)
class CodeArgs:
    """Where the orchestrator code to replay lives."""

    app_dir: Path | None
    orchestrator: str | None
    function: str | None

    @property
    def given(self) -> bool:
        return bool(self.app_dir or self.orchestrator or self.function)

    def orchestration(self) -> Orchestration:
        return load_orchestration(self.function, self.app_dir, self.orchestrator)


def with_code_options(
    prefix: str, panel: str
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """The code options, as `--<prefix>app-dir`, `--<prefix>orchestrator`, `--<prefix>function`."""

    def template(app_dir: Any = None, orchestrator: Any = None, function: Any = None) -> None:
        """Declares the code options once, for `replay-check` and `release`."""

    template.__annotations__ = {
        "app_dir": Annotated[
            Path | None,
            typer.Option(
                f"--{prefix}app-dir",
                help="Folder of the Python v2 function app with the new code (its "
                f"function_app.py); also put on the import path for --{prefix}function.",
                rich_help_panel=panel,
            ),
        ],
        "orchestrator": Annotated[
            str | None,
            typer.Option(
                f"--{prefix}orchestrator",
                help="Orchestrator function name registered in the app.",
                rich_help_panel=panel,
            ),
        ],
        "function": Annotated[
            str | None,
            typer.Option(
                f"--{prefix}function",
                metavar="MODULE:ATTR",
                help="Or the orchestrator generator function itself.",
                rich_help_panel=panel,
            ),
        ],
        "return": None,
    }
    return shared_options(template, CodeArgs, name="code")


@app.command("replay-check")
@with_hub_options
@with_code_options("", APP_PANEL)
def replay_check(
    where: HubArgs,
    code: CodeArgs,
    instances: Annotated[
        int | None,
        typer.Option(min=1, help="Replay at most N instances (oldest first; default all)."),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", help="Only instances of this orchestrator name.")
    ] = None,
    version: Annotated[
        str | None, typer.Option("--version", help="Only instances of this exact version.")
    ] = None,
    completed_since: Annotated[
        float | None,
        duration_option(
            "Also replay every episode prefix of instances completed this long ago", bare=None
        ),
    ] = None,
    per_version: Annotated[
        int,
        typer.Option(
            min=1, help="With --completed-since: the newest N per orchestrator and version."
        ),
    ] = DEFAULT_PER_VERSION,
    concurrency: Annotated[
        int, typer.Option(min=1, max=64, help="Histories read at a time.")
    ] = DEFAULT_CONCURRENCY,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Replay the recorded history of every unfinished instance through the orchestrator code about
    to be deployed, with the SDK's own executor, and report the instances it would break with
    "Non-Deterministic workflow detected".

    Every TaskScheduled, SubOrchestrationInstanceCreated, TimerCreated and EventSent in the
    history must be produced again at its sequence number, with the same type and name, as
    DurableTask checks them. It only reads: activities are never run (their results are in the
    history). It cannot see nondeterminism the history does not record (random numbers, the
    clock, I/O in the orchestrator) nor bugs in the activities themselves.

    --completed-since 7d also replays every episode prefix of recently completed instances, as
    if each had been in flight there: a breaking edit on a path no instance is on right now is
    found before one is.

    Exit codes: 0 every selected instance replays (or has not started); 1 an instance is
    nondeterministic or the code raised, or a completed prefix diverges; 2 cannot run (no
    access, missing table, the app cannot be imported) or a history is unreadable.
    """
    out, annotator = Output(as_json=json_output), Annotator(ci)
    report: PrefixReport | None = None
    since = (
        datetime.now(UTC) - timedelta(seconds=completed_since)
        if completed_since is not None
        else None
    )
    orchestration = code.orchestration()
    address = where.address()
    out.secrets = address.connection.secrets
    selection = Selection(name=name or code.orchestrator, version=version, limit=instances)
    results = replay_unfinished(
        orchestration, address, where.retry, selection, out.progress, concurrency
    )
    if since is not None:
        report = replay_completed(
            orchestration,
            address,
            where.retry,
            since,
            per_version,
            Selection(name=name or code.orchestrator, version=version),
            out.progress,
            concurrency,
        )
    out.finish(_answer(address.hub.name, results, report), annotator)


def _answer(
    hub: str, results: list[tuple[InstanceRecord, Replay]], report: PrefixReport | None
) -> Answer:
    replays = [r for _, r in results]
    payload = {
        "hub": hub,
        "replayed": len(results),
        "ok": sum(1 for r in replays if r.outcome == Outcome.OK),
        "not_started": sum(1 for r in replays if r.outcome == Outcome.NOT_STARTED),
        "failing": sum(1 for r in replays if r.outcome in FAILING),
        "unreadable": sum(1 for r in replays if r.outcome == Outcome.UNREADABLE),
        "instances": [{**r.json(), "name": rec.name, "version": rec.version} for rec, r in results],
        "completed": report.json() if report is not None else None,
    }
    return Answer(
        "replay-check",
        replay_exit(replays, report),
        payload,
        lambda out: _render(out, replays, report),
        lambda annotator: _annotate(annotator, replays, report),
    )


def _render(out: Output, replays: list[Replay], report: PrefixReport | None) -> None:
    bad = [r for r in replays if r.outcome in (*FAILING, Outcome.UNREADABLE)]
    for result in bad:
        out.text(f"  {result.instance_id}: {describe(result)}", style="red")
    good = sum(1 for r in replays if r.outcome in (Outcome.OK, Outcome.NOT_STARTED))
    verdict = (
        "REPLAYS"
        if not bad
        else "WOULD BREAK"
        if any(r.outcome in FAILING for r in bad)
        else "CANNOT DECIDE"
    )
    out.text(
        f"{verdict}  {good} of {len(replays)} in-flight instance(s) replay through this code",
        style="bold green" if not bad else "bold red",
    )
    if report is None:
        return
    for finding in report.findings.values():
        out.text(f"  {finding!s}", style="red")
    for instance_id, reason in report.unreadable.items():
        out.text(f"  {instance_id} (completed): unreadable: {reason}", style="red")
    clean = not report.findings and not report.unreadable
    out.text(
        f"{'REPLAYS' if clean else 'WOULD BREAK' if report.findings else 'CANNOT DECIDE'}  "
        f"{report.prefixes} prefix(es) of {report.histories} completed history(ies)",
        style="bold green" if clean else "bold red",
    )


def _annotate(annotator: Annotator, replays: list[Replay], report: PrefixReport | None) -> None:
    failing = [r for r in replays if r.outcome in FAILING]
    unread = [r for r in replays if r.outcome == Outcome.UNREADABLE]
    for result in [*failing, *unread]:
        annotator.message("error", "replay-check", f"{result.instance_id}: {describe(result)}")
    for finding in report.findings.values() if report else ():
        annotator.message("error", "replay-check", str(finding))
