"""`durable-deploy release`: the whole slot release, stage by stage, with a JSON summary."""

from __future__ import annotations

from typing import Annotated

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.boundary import debug_traceback
from scripts.cli.ci import CiFacts
from scripts.cli.commands.gate import with_wait_options
from scripts.cli.commands.replay_check import CodeArgs, with_code_options
from scripts.cli.options import duration_option
from scripts.cli.options.arm import ArmArgs, with_arm_options, with_drain_options
from scripts.cli.output import Answer, JsonOption, Output
from scripts.stages.exits import Exit
from scripts.stages.gate import GateSettings
from scripts.stages.lint.stage import lint_stage
from scripts.stages.release import ExtraStage, ReleasePlan, ReplayCheck, release_id
from scripts.stages.release import release as run_release
from scripts.stages.release_report import ReleaseReport, StageName, StageStatus
from scripts.stages.target import DrainArgs
from taskhub.app_service_plans import PRODUCTION_SLOT

RELEASE_PANEL = "Release"
REPLAY_PANEL = "Replay check (before quiesce; on the hub the new code will run)"


@app.command("release")
@with_arm_options
@with_drain_options
@with_wait_options
@with_code_options("replay-", REPLAY_PANEL)
def release(
    site: ArmArgs,
    drain: DrainArgs,
    settings: GateSettings,
    code: CodeArgs,
    slot: Annotated[
        str,
        typer.Option("--slot", help="Slot holding the new code.", rich_help_panel=RELEASE_PANEL),
    ] = "staging",
    target: Annotated[
        str, typer.Option("--target", help="Slot to release into.", rich_help_panel=RELEASE_PANEL)
    ] = PRODUCTION_SLOT,
    quiesce: Annotated[
        list[str] | None,
        typer.Option(
            "--quiesce",
            metavar="FUNCTION",
            help="Starter function to disable on the target before the gate (repeatable).",
            rich_help_panel=RELEASE_PANEL,
        ),
    ] = None,
    preview: Annotated[
        bool,
        typer.Option(
            "--preview",
            help="Swap with preview: apply the target's slot settings to the source first, "
            "then complete.",
            rich_help_panel=RELEASE_PANEL,
        ),
    ] = False,
    health_path: Annotated[
        str,
        typer.Option(
            help="Path asked on the target after the swap.", rich_help_panel=RELEASE_PANEL
        ),
    ] = "/api/health",
    health_url: Annotated[
        str | None,
        typer.Option(
            help="Full URL to ask instead (custom domain, Front Door).",
            rich_help_panel=RELEASE_PANEL,
        ),
    ] = None,
    verify_timeout: Annotated[
        float,
        duration_option("How long to wait for a 2xx", bare="s", rich_help_panel=RELEASE_PANEL),
    ] = 300.0,
    release: Annotated[
        str | None,
        typer.Option(
            "--release-id",
            help="Id of this release (default: GITHUB_RUN_ID or BUILD_BUILDID).",
            rich_help_panel=RELEASE_PANEL,
        ),
    ] = None,
    skip_lint: Annotated[
        bool,
        typer.Option(
            "--skip-lint",
            help="Do not run the lint stage on --replay-app-dir first.",
            rich_help_panel=REPLAY_PANEL,
        ),
    ] = False,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Release the code in --slot (default staging) into --target (default production): lint (of
    --replay-app-dir; --skip-lint) -> check -> replay (with --replay-*) -> quiesce (with
    --quiesce) -> gate -> swap (or, with --preview, preview then complete) -> verify -> resume.

    lint runs the determinism linter on the new code first; it needs no Azure access. replay
    runs the replay check on the source slot's hub: the instances the new code will carry on
    after the swap must replay through it. check reads both slots' live settings and refuses
    when they run the same task hub. The gate drains the hub the target runs now (from its live
    app settings, so it stays right after earlier swaps). verify asks the new target's health
    path until it answers 2xx. Starters quiesced by this run are always resumed, even when a
    later stage fails. Each stage can run again: the source is stamped with the release id
    before the swap, so a re-run of the same release (same --release-id, or the same CI run)
    never swaps back. Only the source slot restarts for the swap; a failed completing swap
    resets the preview before the starters are resumed, and a swap App Service accepted behind a
    5xx is recognised by that stamp.

    Exit codes: 0 released; 1 a stage said not yet (unfinished orchestrations at the gate's
    timeout, health check failing, replay check or lint failing); 2 cannot (the stage is named,
    with the fix).
    """
    out, facts = Output(as_json=json_output), CiFacts.read(ci)
    preflight: list[ExtraStage] = []
    if code.app_dir and not skip_lint:
        preflight.append((StageName.LINT, lint_stage(code.app_dir)))
    app = site.site()
    plan = ReleasePlan(
        source=slot,
        target=target,
        release_id=release_id(release, facts.run_id),
        functions=list(quiesce or []),
        preview=preview,
        gate=settings,
        drain=drain,
        stack=site.stack,
        health_path=health_path,
        health_url=health_url,
        verify_timeout=verify_timeout,
        replay=ReplayCheck(code.orchestration(), code.orchestrator) if code.given else None,
        preflight=preflight,
    )
    out.progress(f"release {plan.release_id}: {app.ref.app} {slot} -> {target}")
    report = run_release(app, plan, out.progress)
    if report.unexpected is not None:
        debug_traceback(report.unexpected)
    answer = Answer(
        "release",
        report.exit,
        report.json(),
        lambda out: _render(out, report),
        lambda annotator: _annotate(annotator, report),
    )
    out.finish(answer, Annotator(facts))


_STYLES = {StageStatus.OK: "green", StageStatus.FAILED: "bold red", StageStatus.SKIPPED: "dim"}


def _render(out: Output, report: ReleaseReport) -> None:
    for stage in report.stages:
        style = _STYLES.get(stage.status)
        out.text(
            f"  {stage.name:<12} {stage.status:<8} {stage.seconds:6.1f}s  {stage.message}", style
        )
        if fix := stage.detail.get("fix"):
            out.text(f"  {'':<12} fix: {fix}")
    if report.exit is Exit.OK:
        out.text(f"RELEASED  {report.app}: {report.source} -> {report.target}", style="bold green")
    else:
        out.text(f"STOPPED at {report.failed} (exit {int(report.exit)})", style="bold red")
    if report.next_step:
        out.text(f"  next: {report.next_step}")


def _annotate(annotator: Annotator, report: ReleaseReport) -> None:
    if report.exit is Exit.OK:
        annotator.message("notice", "release", "released")
    else:
        failed = next(s for s in report.stages if s.name == report.failed)
        annotator.message("error", f"release: {report.failed}", failed.message)
    annotator.outputs(
        {"released": str(report.exit is Exit.OK).lower(), "failed_stage": report.failed or ""}
    )
