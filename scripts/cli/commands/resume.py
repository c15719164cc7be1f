"""`durable-deploy resume`: give a slot's starters back what `quiesce` took."""

from __future__ import annotations

from scripts.cli.annotations import Annotator, CiOption, CiSystem
from scripts.cli.app import app
from scripts.cli.commands.quiesce import SlotOption, starters_answer
from scripts.cli.options.arm import ArmArgs, with_arm_options
from scripts.cli.output import JsonOption, Output
from scripts.stages.slot_operations import resume_slot
from taskhub.app_service_plans import PRODUCTION_SLOT


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
    change = resume_slot(site.site(), slot)
    Output(as_json=json_output).finish(starters_answer("resume", slot, change), Annotator(ci))
