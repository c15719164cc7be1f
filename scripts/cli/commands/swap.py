"""`durable-deploy swap`: swap, preview, complete or reset two slots, behind the drain gate."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options.arm import ArmArgs, with_arm_options, with_drain_options
from scripts.cli.output import JsonOption, Output, error_json
from scripts.stages.exits import Exit
from scripts.stages.gate import GateSettings
from scripts.stages.release import StageFailed, SwapAction, drain_slot, gate_stage, perform
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
    action: Annotated[SwapAction, typer.Option("--action", case_sensitive=False)] = (
        SwapAction.SWAP
    ),
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
    out = Output(as_json=json_output)
    annotator = Annotator(ci)
    payload: dict[str, Any] = {"command": "swap", "action": str(action), "source": slot}
    payload["target"] = target
    try:
        slots = site.slots()
        payload["app"] = slots.ref.app
        if require_drained and action in (SwapAction.SWAP, SwapAction.COMPLETE):
            once = GateSettings(timeout=0, stable_for=1)
            found, result = drain_slot(slots, target, drain, site.stack, once, out.progress)
            out.secrets = found.target.connection.secrets
            payload["gate"] = gate_stage(result, found)
        payload.update(perform(slots, action, slot, target, out.progress))
    except StageFailed as exc:
        payload.update(exit_code=int(exc.exit), error=error_json(exc), gate=exc.detail)
        if out.as_json:
            out.json(payload)
        else:
            out.text(f"NOT SWAPPED  {exc.message}", style="bold yellow")
        annotator.message("error", f"swap ({target})", f"not swapped: {exc.message}")
        raise typer.Exit(int(exc.exit)) from None
    payload["exit_code"] = int(Exit.OK)
    if out.as_json:
        out.json(payload)
    else:
        out.text(f"DONE  {action}: {slot} -> {target} on {payload['app']}", style="bold green")
    annotator.message("notice", f"swap ({target})", f"{action} done: {slot} -> {target}")
    raise typer.Exit(int(Exit.OK))
