"""What to do after a release stopped: the `next` line of the report, as commands to run.

The advice follows what the stopped stage left behind. A swap with preview that could not
be reset locks both slots' settings (App Service refuses every settings write until it is
completed or reset), so its reset comes first, before anything else the advice asks for;
starters that could not be resumed come next; otherwise the advice names the cause's fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from scripts.stages.app_service_errors import Refusal
from scripts.stages.arm import SwapMayHaveStarted
from scripts.stages.exits import Exit
from scripts.stages.release_report import StageName


@dataclass
class ReleaseAdvice:
    source: str
    target: str
    preview_pending: bool = False
    """A swap with preview is pending and the release could not reset it."""

    def commands(self, *steps: str) -> str:
        """The steps to take, in order; a pending preview's reset comes first."""
        reset = f"durable-deploy swap --slot {self.source} --target {self.target} --action reset"
        todo = [reset, *steps] if self.preview_pending else list(steps)
        shown = [f"`{step}`" if step.startswith("durable-deploy") else step for step in todo]
        if len(shown) == 1:
            return f"run {shown[0]}"
        return "in this order: " + "; ".join(f"{i}. {step}" for i, step in enumerate(shown, 1))

    def resume_failed(self, slot: str, failure: BaseException | None) -> str:
        """The starters of `slot` are still disabled: resuming them is the next step."""
        if getattr(failure, "refusal", None) is Refusal.PREVIEW_PENDING:
            self.preview_pending = True
        return self.commands(f"durable-deploy resume --slot {slot}")

    def stopped(
        self,
        failed: StageName,
        exit: Exit,
        failure: BaseException | None,
        *,
        fix: str | None,
        preview_reset: bool,
    ) -> str:
        """After `failed` stopped the release with `exit`; `failure` is the error behind it,
        `fix` the stage's own, `preview_reset` whether a failed swap's preview was reset."""
        where = f"--slot {self.source} --target {self.target}"
        if getattr(failure, "refusal", None) is Refusal.PREVIEW_PENDING:
            self.preview_pending = True
            return self.commands("run the release again")
        if isinstance(failure, SwapMayHaveStarted):
            return (
                "wait for the swap in progress to finish (Activity log of the app), then run "
                "the release again: if it was this release's, the target carries its stamp "
                "and the re-run does not swap again"
            )
        if failed is StageName.SWAP:
            if self.preview_pending:
                return self.commands("run the release again")
            reset = f"{self.source} has its own slot settings again; " if preview_reset else ""
            return reset + (fix or "fix the cause above and run the release again")
        if failed is StageName.VERIFY:
            return (
                f"{self.target} runs the new code but its health check failed; to roll back, "
                f"`durable-deploy swap {where}` swaps the old code back (its hub and in-flight "
                "orchestrations travel with it)"
            )
        if failed is StageName.REPLAY and exit is Exit.CANNOT_DECIDE:
            return (
                "a history could not be read (see `failing`: the reason per instance); repair "
                "or purge it and run the release again; nothing was swapped"
            )
        if failed is StageName.REPLAY:
            return (
                "the new code changes what in-flight orchestrations already recorded: put the "
                "change behind a new orchestration version, or wait for them to finish"
            )
        if failed is StageName.GATE and exit is Exit.NOT_YET:
            return "run the release again later; nothing was swapped"
        return "fix the cause above and run the release again; nothing was swapped"
