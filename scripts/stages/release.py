"""The release flow: the stages in order, each safe to run again.

lint -> check -> replay -> quiesce -> gate -> swap (or preview, then complete) -> verify ->
resume; a re-run of a release that already swapped skips replay, quiesce, gate and swap.

A stage that fails stops the flow and names itself. Starters that this run quiesced are
always resumed, even when a later stage fails: leaving production unable to start
orchestrations would turn a held release into an outage. What the slots undergo is in
`slot_operations`, what the report says in `release_report`, and the advice after a stop in
`release_advice`.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from scripts.stages.arm import AppSite, AppSlots, ArmError, SwapMayHaveStarted
from scripts.stages.exits import Exit, StageFailed
from scripts.stages.gate import GateSettings
from scripts.stages.polling import SYSTEM_CLOCK, Clock, attempts
from scripts.stages.release_advice import ReleaseAdvice
from scripts.stages.release_report import ReleaseReport, Stage, StageName, StageStatus
from scripts.stages.replay.hub import Selection, replay_exit, replay_unfinished
from scripts.stages.replay.judge import FAILING, Outcome, describe
from scripts.stages.replay.numbering import Orchestration
from scripts.stages.slot_operations import (
    Say,
    SwapAction,
    drain_slot,
    gate_verdict,
    health_url,
    quiesce,
    resume,
    rewrite_settings,
    run_swap_action,
    verify_health,
)
from scripts.stages.stack_outputs import StackApp
from scripts.stages.target import DrainArgs, slot_hub
from taskhub.errors import ConfigurationError, DurableDeployError, first_line
from taskhub.hostjson import DurableReading
from taskhub.scheduler.connection_string import parse_scheduler_connection_string
from taskhub.scheduler_settings import uses_scheduler
from taskhub.secrets import register
from taskhub.starters import SettingsChange
from taskhub.storage_account import storage_account

__all__ = [
    "RELEASE_SETTING",
    "ExtraStage",
    "Release",
    "ReleasePlan",
    "ReplayCheck",
    "Say",
    "StageFailed",
    "release",
    "release_id",
]

RELEASE_SETTING = "DurableDeploy__Release"
"""Stamped on the source slot before a swap; it moves with the code, so a re-run of the same
release sees it on the target and does not swap back."""

ExtraStage = tuple[StageName, Callable[[Say], dict[str, Any]]]
"""A stage the caller adds to the flow (the lint) and what it runs; its detail's `message`
is the stage's message."""


@dataclass(frozen=True)
class ReplayCheck:
    """The new code the replay stage runs the source slot's in-flight histories through."""

    orchestration: Orchestration
    orchestrator: str | None


def replay_stage(
    slots: AppSlots, slot: str, drain: DrainArgs, stack: StackApp | None, check: ReplayCheck
) -> Callable[[Say], dict[str, Any]]:
    """The replay check on the hub `slot` runs: the hub the new code runs after the swap."""
    orchestration, name = check.orchestration, check.orchestrator

    def run(say: Say) -> dict[str, Any]:
        live_only = DrainArgs(
            hub=None,
            connection_string=None,
            account_url=None,
            connection_setting=None,
            tracking_prefix=None,
            retries=drain.retries,
            environ=drain.environ,
            allow_endpoint=drain.allow_endpoint,
        )
        found = slot_hub(slots, slot, live_only, stack)
        register(found.address.connection.secrets)
        results = [
            r
            for _, r in replay_unfinished(
                orchestration, found.address, drain.retry, Selection(name), say
            )
        ]
        failing = [r for r in results if r.outcome in (*FAILING, Outcome.UNREADABLE)]
        detail: dict[str, Any] = {
            "hub": found.address.hub.name,
            "replayed": len(results),
            "failing": [{**r.json(), "why": describe(r)} for r in failing],
        }
        verdict = replay_exit(results)
        if verdict != Exit.OK:
            what = {
                Exit.NOT_YET: "would not replay through the new code",
                Exit.CANNOT_DECIDE: "would not replay or have an unreadable history",
            }[verdict]
            raise StageFailed(
                f"{len(failing)} in-flight instance(s) of hub {found.address.hub.name!r} {what}",
                verdict,
                detail,
            )
        message = f"{len(results)} in-flight instance(s) replay through the new code"
        return {**detail, "message": message}

    return run


def release_id(given: str | None, run_id: str) -> str:
    """The pipeline run's id (`run_id`, the same on a re-run of the same run), else a
    fresh one."""
    return given or run_id or f"local-{secrets.token_hex(4)}"


@dataclass
class ReleasePlan:
    source: str
    target: str
    release_id: str
    functions: list[str]
    preview: bool
    gate: GateSettings
    drain: DrainArgs
    stack: StackApp | None
    health_path: str
    health_url: str | None
    verify_timeout: float
    swap_timeout: float = 900.0
    """How long to wait for a swap App Service accepted although its answer was lost."""
    replay: ReplayCheck | None = None
    """The replay stage, after `check` and before the swap."""
    preflight: list[ExtraStage] = field(default_factory=list)
    """Stages run first, before the slots are read (the lint)."""


class Release:
    """Runs the stages in order; see the module docstring."""

    def __init__(
        self, slots: AppSlots, plan: ReleasePlan, say: Say, clock: Clock = SYSTEM_CLOCK
    ) -> None:
        self.slots = slots
        self.plan = plan
        self.say = say
        self.clock = clock
        self.report = ReleaseReport(slots.ref.app, plan.source, plan.target, plan.release_id)
        self.swapped = False
        self.advice = ReleaseAdvice(plan.source, plan.target)

    @contextmanager
    def stage(self, name: StageName) -> Iterator[Stage]:
        stage = Stage(name, status=StageStatus.RUNNING)
        self.report.stages.append(stage)
        self.say(f"== {name}")
        started = self.clock.monotonic()
        try:
            yield stage
            if stage.status is StageStatus.RUNNING:
                stage.status = StageStatus.OK
        except StageFailed as exc:
            stage.status, stage.message = StageStatus.FAILED, exc.message
            stage.detail.update(exc.detail)
            raise
        except DurableDeployError as exc:
            stage.status, stage.message = StageStatus.FAILED, exc.message
            stage.detail["fix"] = exc.fix
            raise StageFailed(exc.message, Exit.CANNOT_DECIDE) from exc
        except Exception as exc:
            # A bug or an error nobody mapped still ends in the report, so the pipeline sees
            # which stage stopped and that the starters were resumed; the CLI prints the
            # traceback under --debug.
            self.report.unexpected = exc
            stage.status = StageStatus.FAILED
            stage.message = f"unexpected {type(exc).__name__}: {first_line(exc)}"
            stage.detail["fix"] = "run again with --debug for the traceback, and report it"
            raise StageFailed(stage.message, Exit.CANNOT_DECIDE) from exc
        finally:
            stage.seconds = self.clock.monotonic() - started

    def run(self) -> ReleaseReport:
        plan = self.plan
        quiesced_slot: str | None = None

        def quiescing() -> None:
            nonlocal quiesced_slot
            quiesced_slot = plan.target

        try:
            self._run_checks(plan.preflight)
            with self.stage(StageName.CHECK) as stage:
                stage.detail.update(self._check())
                stage.message = stage.detail.pop("message")
            if self.swapped:
                # The source now runs the old code and its hub: nothing there is the new
                # code's to carry on, and the new code already runs in the target.
                replay = [StageName.REPLAY] if plan.replay else []
                self._skip(
                    *replay,
                    StageName.QUIESCE,
                    StageName.GATE,
                    StageName.SWAP,
                    why="this release already swapped",
                )
                quiesced_slot = plan.source if plan.functions else None
            else:
                if plan.replay:
                    check = replay_stage(
                        self.slots, plan.source, plan.drain, plan.stack, plan.replay
                    )
                    self._run_checks([(StageName.REPLAY, check)])
                if plan.functions:
                    with self.stage(StageName.QUIESCE) as stage:
                        change = quiesce(self.slots, plan.target, plan.functions, quiescing)
                        quiesced_slot = plan.target
                        stage.detail = {"slot": plan.target, "functions": list(change.functions)}
                        stage.message = (
                            "starters disabled (the slot restarts)"
                            if change.changed
                            else "already quiesced"
                        )
                else:
                    self._skip(StageName.QUIESCE, why="no --quiesce function named")
                with self.stage(StageName.GATE) as stage:
                    found, result = drain_slot(
                        self.slots,
                        plan.target,
                        plan.drain,
                        plan.stack,
                        plan.gate,
                        self.say,
                        self.clock,
                    )
                    stage.detail = gate_verdict(result, found, allow_missing_hub_option=True)
                    stage.message = f"hub {found.address.hub.name!r} drained"
                self._swap()
                quiesced_slot = plan.source if quiesced_slot else None
            with self.stage(StageName.VERIFY) as stage:
                url = health_url(self.slots, plan.target, plan.health_path, plan.health_url)
                stage.detail = verify_health(url, plan.verify_timeout, self.say, clock=self.clock)
                stage.message = f"{url} answered {stage.detail['status_code']}"
        except StageFailed as exc:
            failed = self.report.stages[-1].name
            self.report.exit, self.report.failed = exc.exit, failed
            last = self.report.stages[-1].detail
            self.report.next_step = self.advice.stopped(
                failed,
                exc.exit,
                exc.__cause__,
                fix=last.get("fix"),
                preview_reset=bool(last.get("preview_reset")),
            )
        finally:
            self._resume(quiesced_slot)
        return self.report

    def _run_checks(self, checks: list[ExtraStage]) -> None:
        for name, check in checks:
            with self.stage(name) as stage:
                stage.detail.update(check(self.say))
                stage.message = stage.detail.pop("message", "")

    def _skip(self, *names: StageName, why: str) -> None:
        for name in names:
            self.report.stages.append(Stage(name, StageStatus.SKIPPED, message=why))

    def _check(self) -> dict[str, Any]:
        plan = self.plan
        source_settings = self.slots.settings(plan.source)
        target_settings = self.slots.settings(plan.target)
        self.swapped = target_settings.get(RELEASE_SETTING) == plan.release_id
        hubs = {
            slot: DurableReading.from_app_settings(settings)
            for slot, settings in ((plan.source, source_settings), (plan.target, target_settings))
        }
        settings = {plan.source: source_settings, plan.target: target_settings}
        named = {
            slot: (f"{d.hub_name} on {account_of(settings[slot], d)}" if d else None)
            for slot, d in hubs.items()
        }
        source_hub, target_hub = hubs[plan.source], hubs[plan.target]
        if (
            source_hub
            and target_hub
            and source_hub.hub_name == target_hub.hub_name
            and not self.swapped
        ):
            # One hub name: whether they share it depends on their storage, which must be known.
            source_hub.require_instances_connection(f"slot {plan.source!r}")
            target_hub.require_instances_connection(f"slot {plan.target!r}")
            if account_of(source_settings, source_hub) == account_of(target_settings, target_hub):
                store = "scheduler" if uses_scheduler(source_settings) else "storage"
                raise StageFailed(
                    f"{plan.source} and {plan.target} run the same task hub "
                    f"{source_hub.hub_name!r} on the same {store}: after the swap the new code "
                    "would replay the old code's in-flight orchestrations",
                    Exit.CANNOT_DECIDE,
                    {"hubs": named},
                )
        message = (
            f"release {plan.release_id} already swapped into {plan.target}"
            if self.swapped
            else f"{plan.source} runs hub {named[plan.source]}, {plan.target} runs hub "
            f"{named[plan.target]}"
        )
        return {"hubs": named, "already_swapped": self.swapped, "message": message}

    def _swap(self) -> None:
        plan = self.plan
        with self.stage(StageName.SWAP) as stage:
            change = rewrite_settings(
                self.slots,
                plan.source,
                lambda current: _stamped(current, plan.release_id),
            )
            if change.changed:
                self.say(f"stamped {RELEASE_SETTING}={plan.release_id} on {plan.source}")
            steps = [SwapAction.PREVIEW, SwapAction.COMPLETE] if plan.preview else [SwapAction.SWAP]
            try:
                for action in steps:
                    stage.detail[str(action)] = run_swap_action(
                        self.slots, action, plan.source, plan.target, self.say
                    )
                    stage.detail["last_action"] = str(action)
            except SwapMayHaveStarted as exc:
                stage.detail["accepted_on_retry"] = self._await_stamp(exc)
                stage.detail["last_action"] = str(steps[-1])
            except ArmError:
                if plan.preview:
                    stage.detail["preview_reset"] = self._reset_preview()
                raise
            self.swapped = True
            stage.message = f"{plan.source} swapped into {plan.target}"

    def _await_stamp(self, lost: SwapMayHaveStarted) -> dict[str, Any]:
        """Reads the target until this release's stamp arrives with the code (the accepted
        swap finished) or `swap_timeout` passes; the stamp is what makes the swap ours."""
        plan = self.plan
        self.say(
            f"  {lost.message}; waiting for {RELEASE_SETTING}={plan.release_id} on {plan.target}"
        )
        interval = min(plan.gate.interval, 5.0)
        for attempt in attempts(timeout=plan.swap_timeout, interval=interval, clock=self.clock):
            if self.slots.settings(plan.target).get(RELEASE_SETTING) == plan.release_id:
                self.say(f"  the accepted swap finished: {plan.target} carries this release")
                return {"status": 409, "seconds": round(attempt.elapsed, 3)}
        raise lost

    def _reset_preview(self) -> bool:
        """Cancels this run's preview after a failed swap, so the slots' settings are no longer
        locked and the starters can be resumed; True when the reset went through."""
        try:
            run_swap_action(
                self.slots, SwapAction.RESET, self.plan.source, self.plan.target, self.say
            )
        except ArmError as exc:
            self.say(f"  could not reset the preview: {exc.message}")
            self.advice.preview_pending = True
            return False
        return True

    def _resume(self, slot: str | None) -> None:
        if slot is None:
            return
        try:
            with self.stage(StageName.RESUME) as stage:
                change = resume(self.slots, slot)
                stage.detail = {"slot": slot, "functions": list(change.functions)}
                stage.message = "starters restored" if change.changed else "nothing to restore"
        except StageFailed as exc:
            if self.report.exit is Exit.OK:
                self.report.exit, self.report.failed = exc.exit, StageName.RESUME
            self.report.next_step = self.advice.resume_failed(slot, exc.__cause__)


def release(site: AppSite, plan: ReleasePlan, say: Say) -> ReleaseReport:
    """`release`: the whole flow on the app at `site`."""
    return Release(site.open(), plan, say).run()


def _stamped(settings: dict[str, str], release: str) -> SettingsChange:
    result = {**settings, RELEASE_SETTING: release}
    changed = () if settings.get(RELEASE_SETTING) == release else (RELEASE_SETTING,)
    return SettingsChange(result, changed, ())


def account_of(settings: dict[str, str], durable: DurableReading) -> str:
    """Which account (or, on the Durable Task Scheduler, which scheduler) the durable
    connection points at, compared without reading secrets out.

    When the settings do not name one (a Key Vault reference, say), a digest of the value
    stands in: the same value is the same account, and the value itself is never shown.
    """
    name = durable.instances_connection_name
    if name is None:
        return "storage the package's host.json names"
    value = settings.get(name) or ""
    where = scheduler_of(value) if uses_scheduler(settings) else storage_account(settings, name)
    return where or f"setting {name} #{hashlib.sha256(value.encode()).hexdigest()[:8]}"


def scheduler_of(value: str) -> str | None:
    """`scheduler <endpoint>` for a scheduler connection string; None when it is not one."""
    try:
        return f"scheduler {parse_scheduler_connection_string(value).endpoint}"
    except ConfigurationError:
        return None
