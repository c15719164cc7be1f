"""`durable-deploy swap`: swap, preview, complete or reset two slots, behind the drain gate."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options import enum_option
from scripts.cli.options.arm import ArmArgs, with_arm_options, with_drain_options
from scripts.cli.output import Answer, JsonOption, Output, error_json
from scripts.stages.exits import Exit, StageFailed
from scripts.stages.slot_operations import SwapAction, swap_slots
from scripts.stages.target import DrainArgs
from taskhub.app_service_plans import PRODUCTION_SLOT


@app.command("swap")
@with_arm_options
@with_drain_options
def swap(
    site: ArmArgs,
    drain: DrainArgs,
    slot: Annotated[str, typer.Option("--slot", help="Source slot.")] = "staging",
    target: Annotated[str, typer.Option("--target", help="Target slot.")] = PRODUCTION_SLOT,
    action: Annotated[SwapAction, enum_option(SwapAction, "The swap action.")] = SwapAction.SWAP,
    require_drained: Annotated[
        bool,
        typer.Option(
            "--require-drained",
            help="Refuse to swap or complete while the target's hub has unfinished work.",
        ),
    ] = False,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Swap a slot into another (default: staging into production) through Azure Resource Manager,
    showing progress while the operation runs.

    The source slot (--slot) is the one App Service restarts: --action swap applies the target's
    slot settings to the source, restarts and warms it up, then switches the routing, so the
    target keeps serving without a restart; preview does only the first part (phase one of a
    swap with preview) and locks both slots' settings until complete finishes that swap or reset
    cancels it, giving the source its own settings back. With --require-drained, swap and
    complete first read the target's task hub once (the hub its live app settings name, or --hub
    and a connection option) and refuse while anything is unfinished.

    Exit codes: 0 done; 1 --require-drained found unfinished orchestrations, nothing swapped; 2
    cannot (sign-in or permission refused, app or slot not found, another swap running or a
    preview pending, the swap failed with App Service's cause, ARM failing after retries).
    """
    app_site = site.site()
    drained = (drain, site.stack) if require_drained else None
    out, annotator = Output(as_json=json_output), Annotator(ci)
    where = {"action": str(action), "source": slot, "target": target, "app": app_site.ref.app}
    try:
        done = swap_slots(app_site, action, slot, target, out.progress, drained=drained)
    except StageFailed as exc:
        out.finish(_not_swapped(where, exc), annotator)
    out.finish(_swapped(where, done), annotator)


def _swapped(where: dict[str, str], done: dict[str, Any]) -> Answer:
    action, source, target = where["action"], where["source"], where["target"]

    def render(out: Output) -> None:
        out.text(f"DONE  {action}: {source} -> {target} on {where['app']}", style="bold green")

    def annotate(annotator: Annotator) -> None:
        annotator.message("notice", f"swap ({target})", f"{action} done: {source} -> {target}")

    return Answer("swap", Exit.OK, {**where, **done}, render, annotate)


def _not_swapped(where: dict[str, str], refused: StageFailed) -> Answer:
    def render(out: Output) -> None:
        out.text(f"NOT SWAPPED  {refused.message}", style="bold yellow")

    def annotate(annotator: Annotator) -> None:
        title = f"swap ({where['target']})"
        annotator.message("error", title, f"not swapped: {refused.message}")

    payload = {**where, "error": error_json(refused), "gate": refused.detail}
    return Answer("swap", refused.exit, payload, render, annotate)
