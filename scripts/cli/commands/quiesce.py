"""`durable-deploy quiesce`: stop a slot's starters from starting orchestrations."""

from __future__ import annotations

from typing import Annotated

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options.arm import ArmArgs, with_arm_options
from scripts.cli.output import Answer, JsonOption, Output
from scripts.stages.exits import Exit
from scripts.stages.slot_operations import quiesce_slot
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.starters import SettingsChange

SlotOption = Annotated[str, typer.Option("--slot", help="The slot to change.")]


def starters_answer(command: str, slot: str, change: SettingsChange) -> Answer:
    """What `quiesce` or `resume` changed on a slot."""
    payload = {
        "slot": slot,
        "functions": list(change.functions),
        "changed_settings": list(change.changed),
        "restarted": bool(change.changed),
    }
    functions = ", ".join(change.functions) or "nothing"

    def render(out: Output) -> None:
        if change.changed:
            out.text(f"{command.upper()}D  {slot}: {functions}")
            out.text(f"  changed: {', '.join(change.changed)} (the slot restarts)")
        else:
            out.text(f"NO CHANGE  {slot}: already {command}d", style="bold")

    def annotate(annotator: Annotator) -> None:
        annotator.message("notice", f"{command} ({slot})", functions)

    return Answer(command, Exit.OK, payload, render, annotate)


@app.command("quiesce")
@with_arm_options
def quiesce(
    site: ArmArgs,
    slot: SlotOption = PRODUCTION_SLOT,
    function: Annotated[
        list[str] | None,
        typer.Option(
            "--function", metavar="NAME", help="Starter function to disable (repeatable)."
        ),
    ] = None,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Disable the named starter (client) functions on a slot with
    AzureWebJobs.<Function>.Disabled=true, merged into its app settings (nothing else changes);
    their earlier values are kept in DurableDeploy__QuiescedStarters for `resume`. Run it before
    the drain gate so no orchestration starts on the outgoing hub between the last drained read
    and the swap. Changing app settings restarts the slot's host: running orchestrations pause
    for the restart and carry on from their history; HTTP requests in that moment may fail.

    Exit codes: 0 quiesced (or already); 2 cannot (bad name, sign-in, permission, not found).
    """
    change = quiesce_slot(site.site(), slot, list(function or []))
    Output(as_json=json_output).finish(starters_answer("quiesce", slot, change), Annotator(ci))
