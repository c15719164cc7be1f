"""`durable-deploy quiesce` / `resume`: stop a slot's starters from starting orchestrations."""

from __future__ import annotations

from typing import Annotated

import typer

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.options.arm import ArmArgs, with_arm_options
from scripts.cli.output import JsonOption, Output
from scripts.stages.exits import Exit
from scripts.stages.release import quiesce as quiesce_slot
from scripts.stages.release import resume as resume_slot
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.starters import SettingsChange

SlotOption = Annotated[str, typer.Option("--slot", help="The slot to change.")]


def _report(
    out: Output, annotator: Annotator, command: str, slot: str, change: SettingsChange
) -> None:
    payload = {
        "command": command,
        "slot": slot,
        "functions": list(change.functions),
        "changed_settings": list(change.changed),
        "restarted": bool(change.changed),
        "exit_code": int(Exit.OK),
    }
    if out.as_json:
        out.json(payload)
    elif change.changed:
        out.text(f"{command.upper()}D  {slot}: {', '.join(change.functions) or 'nothing'}")
        out.text(f"  changed: {', '.join(change.changed)} (the slot restarts)")
    else:
        out.text(f"NO CHANGE  {slot}: already {command}d", style="bold")
    annotator.message("notice", f"{command} ({slot})", ", ".join(change.functions) or "nothing")
    raise typer.Exit(int(Exit.OK))


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
    out, annotator = Output(as_json=json_output), Annotator(ci)
    change = quiesce_slot(site.slots(), slot, list(function or []))
    _report(out, annotator, "quiesce", slot, change)


@app.command("resume")
@with_arm_options
def resume(
    site: ArmArgs,
    slot: SlotOption = PRODUCTION_SLOT,
    json_output: JsonOption = False,
    ci: CiOption = CiSystem.AUTO,
) -> None:
    """Restore the starters `quiesce` disabled on a slot to exactly their earlier values, and
    remove DurableDeploy__QuiescedStarters. After a swap the settings moved with the code:
    resume the slot that now holds them (the source). Changing app settings restarts the slot's
    host: running orchestrations pause for the restart and carry on from their history; HTTP
    requests in that moment may fail.

    Exit codes: 0 restored (or nothing to restore); 2 cannot.
    """
    out, annotator = Output(as_json=json_output), Annotator(ci)
    change = resume_slot(site.slots(), slot)
    _report(out, annotator, "resume", slot, change)
