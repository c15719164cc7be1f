"""The release stages, each safe to run again, and the flow that chains them.

lint -> check -> replay -> quiesce -> gate -> swap (or preview, then complete) -> verify ->
resume; a re-run of a release that already swapped skips replay, quiesce, gate and swap.

A stage that fails stops the flow and names itself. Starters that this run quiesced are
always resumed, even when a later stage fails: leaving production unable to start
orchestrations would turn a held release into an outage.
"""

from __future__ import annotations

import hashlib
import os
import secrets
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import httpx

from scripts.stages.app_service_errors import Refusal
from scripts.stages.arm import AppSlots, ArmError, SwapMayHaveStarted
from scripts.stages.exits import Exit
from scripts.stages.gate import DrainGate, GateResult, GateSettings
from scripts.stages.replay import FAILING, Outcome, describe
from scripts.stages.replay_hub import Selection, replay_exit, replay_unfinished
from scripts.stages.replay_numbering import Orchestration
from scripts.stages.stack_outputs import StackApp
from scripts.stages.target import DrainArgs, SlotHub, slot_hub
from taskhub.errors import ConfigurationError, DurableDeployError, first_line
from taskhub.hostjson import DurableReading
from taskhub.instances import InstanceStore
from taskhub.starters import (
    MARKER_SETTING,
    SettingsChange,
    function_name_problem,
    quiesced,
    resumed,
)
from taskhub.storage_account import storage_account

RELEASE_SETTING = "DurableDeploy__Release"
"""Stamped on the source slot before a swap; it moves with the code, so a re-run of the same
release sees it on the target and does not swap back."""

Say = Callable[[str], None]


class SwapAction(StrEnum):
    SWAP = "swap"
    PREVIEW = "preview"
    COMPLETE = "complete"
    RESET = "reset"


class StageFailed(DurableDeployError):
    """A stage's definite "no" (exit 1) or "cannot" (exit 2), with what to do next (the
    detail's `fix`, when the stage knows one)."""

    def __init__(self, message: str, exit: Exit, detail: dict[str, Any] | None = None) -> None:
        self.detail = detail or {}
        super().__init__(message, fix=str(self.detail.get("fix", "")))
        self.exit = exit


class StageName(StrEnum):
    """The release's stages, in the order they run (`stage` and `failed_stage` in its JSON)."""

    LINT = "lint"
    CHECK = "check"
    REPLAY = "replay"
    QUIESCE = "quiesce"
    GATE = "gate"
    SWAP = "swap"
    VERIFY = "verify"
    RESUME = "resume"


Check = tuple[StageName, Callable[[Say], dict[str, Any]]]
"""A stage the caller adds to the flow (the lint, the replay check) and what it runs."""


class StageStatus(StrEnum):
    """A stage's `status` in the release report."""

    RUNNING = "running"
    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


@dataclass
class Stage:
    name: StageName
    status: StageStatus = StageStatus.SKIPPED
    seconds: float = 0.0
    message: str = ""
    detail: dict[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        return {
            "stage": self.name,
            "status": self.status,
            "seconds": round(self.seconds, 3),
            "message": self.message,
            **self.detail,
        }


def drain_slot(
    slots: AppSlots,
    slot: str,
    drain: DrainArgs,
    stack: StackApp | None,
    settings: GateSettings,
    say: Say,
) -> tuple[SlotHub, GateResult]:
    """Runs the drain gate on the hub `slot` runs now."""
    found = slot_hub(slots, slot, drain, stack)
    hub, connection = found.target.hub, found.target.connection
    say(f"gate: slot {slot!r} runs hub {hub.name!r} ({found.source}) at {connection.description}")
    with connection.service_client(drain.retry) as service:
        store = InstanceStore(service, hub, secrets=connection.secrets)

        def progress(p: Any) -> None:
            snap = p.snapshot
            state = "drained" if snap.drained else f"{len(snap.blocking)} unfinished"
            say(f"  [{p.elapsed:5.0f}s] read {p.reads}: {state}")

        return found, DrainGate(store, settings, progress).run()


def gate_stage(result: GateResult, found: SlotHub) -> dict[str, Any]:
    snap = result.snapshot
    detail = {
        "hub": found.target.hub.name,
        "hub_from": found.source,
        "drained": result.drained,
        "not_finished": len(snap.blocking) if snap else None,
        "by_status": snap.by_status if snap else {},
        "reads": result.reads,
    }
    if result.error:
        detail["fix"] = result.error.fix
        raise StageFailed(result.error.message, Exit.CANNOT_DECIDE, detail)
    if not result.drained:
        raise StageFailed(
            f"hub {found.target.hub.name!r} still has {detail['not_finished']} unfinished "
            "orchestration(s)",
            Exit.NOT_YET,
            detail,
        )
    return detail


def perform(
    slots: AppSlots, action: SwapAction, source: str, target: str, say: Say
) -> dict[str, Any]:
    """One swap action; `complete` is the swap that finishes a preview."""
    if source == target:
        raise ConfigurationError(
            f"source and target are both {source!r}", fix="pass --slot and --target"
        )
    if action is SwapAction.PREVIEW:
        slots.preview(source, target)
        say(
            f"preview: {target}'s slot settings applied to {source}; {source} restarts and "
            f"warms up while {target} keeps serving"
        )
        return {"restarted": [source]}
    if action is SwapAction.RESET:
        slots.reset(source)
        say(f"reset: {source} has its own slot settings again (it restarts if a preview ran)")
        return {"reset": [source]}
    label = slots.ref.slot_label

    def waiting(elapsed: float) -> None:
        say(f"  swapping {label(source)} -> {label(target)}: {elapsed:.0f}s")

    seconds = slots.swap(source, target, waiting)
    say(
        f"swap: {label(source)} is now in {target} ({seconds:.1f}s); {source} restarted to "
        f"warm up, {target} switched without a restart"
    )
    return {"swap_seconds": round(seconds, 3), "restarted": [source]}


def quiesce(
    slots: AppSlots, slot: str, functions: list[str], writing: Callable[[], None] = lambda: None
) -> SettingsChange:
    """`writing` is told just before the settings write, whose answer may be lost although
    App Service applied it: from then on the slot must be resumed whatever happens."""
    problems = [p for f in functions if (p := function_name_problem(f))]
    if problems or not functions:
        raise ConfigurationError(
            "; ".join(problems) or "no starter function named",
            fix="pass --function NAME for each client function that starts orchestrations",
        )
    return _rewrite(slots, slot, lambda current: quiesced(current, functions), writing)


def resume(slots: AppSlots, slot: str) -> SettingsChange:
    return _rewrite(slots, slot, resumed)


def _rewrite(
    slots: AppSlots,
    slot: str,
    change: Callable[[dict[str, str]], SettingsChange],
    writing: Callable[[], None] = lambda: None,
) -> SettingsChange:
    """Read, change, write back the whole collection; no write when nothing changes."""
    current = slots.settings(slot)
    try:
        result = change(current)
    except ValueError as exc:
        raise ConfigurationError(
            str(exc),
            fix=f"set the starters' AzureWebJobs.<Function>.Disabled settings on {slot!r} as "
            f"they should be, then delete {MARKER_SETTING}",
        ) from None
    if result.changed:
        writing()
        slots.replace_settings(slot, result.settings)
    return result


def health_url(slots: AppSlots, slot: str, path: str, url: str | None) -> str:
    if url:
        return url
    return f"https://{slots.host_name(slot)}/{path.lstrip('/')}"


def verify(url: str, timeout: float, say: Say, interval: float = 2.0) -> dict[str, Any]:
    """Asks `url` until it answers 2xx (the slot restarts after a swap) or `timeout` passes."""
    started = time.monotonic()
    last = "no answer"
    with httpx.Client(timeout=10, follow_redirects=False) as client:
        while True:
            try:
                response = client.get(url)
                last = f"HTTP {response.status_code}"
                if response.is_success:
                    return {
                        "url": url,
                        "status_code": response.status_code,
                        "body": response.text[:200],
                    }
            except httpx.HTTPError as exc:
                last = type(exc).__name__
            elapsed = time.monotonic() - started
            if elapsed >= timeout:
                raise StageFailed(
                    f"{url} did not answer 2xx within {timeout:g}s (last: {last})",
                    Exit.NOT_YET,
                    {"url": url, "last": last},
                )
            say(f"  verify: {url} -> {last}; asking again ({elapsed:.0f}s)")
            time.sleep(interval)


def replay_stage(
    slots: AppSlots,
    slot: str,
    drain: DrainArgs,
    stack: StackApp | None,
    orchestration: Orchestration,
    name: str | None,
) -> Callable[[Say], dict[str, Any]]:
    """The replay check on the hub `slot` runs: the hub the new code runs after the swap."""

    def run(say: Say) -> dict[str, Any]:
        live_only = DrainArgs(
            hub=None,
            connection_string=None,
            account_url=None,
            connection_setting=None,
            tracking_prefix=None,
            retries=drain.retries,
            allow_endpoint=drain.allow_endpoint,
        )
        found = slot_hub(slots, slot, live_only, stack)
        results = [
            r
            for _, r in replay_unfinished(
                orchestration, found.target, drain.retry, Selection(name), say
            )
        ]
        failing = [r for r in results if r.outcome in (*FAILING, Outcome.UNREADABLE)]
        detail: dict[str, Any] = {
            "hub": found.target.hub.name,
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
                f"{len(failing)} in-flight instance(s) of hub {found.target.hub.name!r} {what}",
                verdict,
                detail,
            )
        message = f"{len(results)} in-flight instance(s) replay through the new code"
        return {**detail, "message": message}

    return run


def release_id(given: str | None) -> str:
    """The pipeline run's id, the same on a re-run of the same run, else a fresh one."""
    return (
        given
        or os.environ.get("GITHUB_RUN_ID")
        or os.environ.get("BUILD_BUILDID")
        or f"local-{secrets.token_hex(4)}"
    )


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
    extra_checks: list[Check] = field(default_factory=list)
    """Stages run after `check` and before the swap (e.g. the replay check)."""
    preflight: list[Check] = field(default_factory=list)
    """Stages run first, before the slots are read (the lint)."""


@dataclass
class ReleaseReport:
    stages: list[Stage]
    exit: Exit = Exit.OK
    failed: StageName | None = None
    next_step: str | None = None
    unexpected: BaseException | None = None
    """An exception no stage anticipated (not in the JSON: its traceback is for --debug)."""

    def json(self, plan: ReleasePlan, app: str) -> dict[str, Any]:
        return {
            "command": "release",
            "app": app,
            "source": plan.source,
            "target": plan.target,
            "release_id": plan.release_id,
            "released": self.exit is Exit.OK,
            "exit_code": int(self.exit),
            "failed_stage": self.failed,
            "next": self.next_step,
            "stages": [s.json() for s in self.stages],
            "seconds": round(sum(s.seconds for s in self.stages), 3),
        }


class Release:
    """Runs the stages in order; see the module docstring."""

    def __init__(self, slots: AppSlots, plan: ReleasePlan, say: Say) -> None:
        self.slots = slots
        self.plan = plan
        self.say = say
        self.report = ReleaseReport([])
        self.swapped = False
        self._failure: BaseException | None = None
        self.preview_pending = False
        """A swap with preview is pending and this run could not reset it: the slots'
        settings are locked, so the advice must reset it before anything else."""

    @contextmanager
    def stage(self, name: StageName) -> Iterator[Stage]:
        stage = Stage(name, status=StageStatus.RUNNING)
        self.report.stages.append(stage)
        self.say(f"== {name}")
        started = time.monotonic()
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
            stage.seconds = time.monotonic() - started

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
                checks = [name for name, _ in plan.extra_checks]
                self._skip(
                    *checks,
                    StageName.QUIESCE,
                    StageName.GATE,
                    StageName.SWAP,
                    why="this release already swapped",
                )
                quiesced_slot = plan.source if plan.functions else None
            else:
                self._run_checks(plan.extra_checks)
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
                        self.slots, plan.target, plan.drain, plan.stack, plan.gate, self.say
                    )
                    stage.detail = gate_stage(result, found)
                    stage.message = f"hub {found.target.hub.name!r} drained"
                self._swap()
                quiesced_slot = plan.source if quiesced_slot else None
            with self.stage(StageName.VERIFY) as stage:
                url = health_url(self.slots, plan.target, plan.health_path, plan.health_url)
                stage.detail = verify(url, plan.verify_timeout, self.say)
                stage.message = f"{url} answered {stage.detail['status_code']}"
        except StageFailed as exc:
            failed = self.report.stages[-1].name
            self.report.exit, self.report.failed = exc.exit, failed
            self._failure = exc.__cause__
            self.report.next_step = self._advice(failed, exc.exit)
        finally:
            self._resume(quiesced_slot)
        return self.report

    def _run_checks(self, checks: list[Check]) -> None:
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
                raise StageFailed(
                    f"{plan.source} and {plan.target} run the same task hub "
                    f"{source_hub.hub_name!r} on the same storage: after the swap the new code "
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
            change = _rewrite(
                self.slots,
                plan.source,
                lambda current: _stamped(current, plan.release_id),
            )
            if change.changed:
                self.say(f"stamped {RELEASE_SETTING}={plan.release_id} on {plan.source}")
            steps = [SwapAction.PREVIEW, SwapAction.COMPLETE] if plan.preview else [SwapAction.SWAP]
            try:
                for action in steps:
                    stage.detail[str(action)] = perform(
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
        started = time.monotonic()
        self.say(
            f"  {lost.message}; waiting for {RELEASE_SETTING}={plan.release_id} on {plan.target}"
        )
        while time.monotonic() - started < plan.swap_timeout:
            if self.slots.settings(plan.target).get(RELEASE_SETTING) == plan.release_id:
                seconds = round(time.monotonic() - started, 3)
                self.say(f"  the accepted swap finished: {plan.target} carries this release")
                return {"status": 409, "seconds": seconds}
            time.sleep(min(plan.gate.interval, 5.0))
        raise lost

    def _reset_preview(self) -> bool:
        """Cancels this run's preview after a failed swap, so the slots' settings are no longer
        locked and the starters can be resumed; True when the reset went through."""
        try:
            perform(self.slots, SwapAction.RESET, self.plan.source, self.plan.target, self.say)
        except ArmError as exc:
            self.say(f"  could not reset the preview: {exc.message}")
            self.preview_pending = True
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
            refusal = getattr(exc.__cause__, "refusal", None)
            if refusal is Refusal.PREVIEW_PENDING:
                self.preview_pending = True
            self.report.next_step = self._commands(f"durable-deploy resume --slot {slot}")

    def _commands(self, *steps: str) -> str:
        """The steps to take, in order; a pending preview's reset comes first, because App
        Service refuses every settings write until it is reset."""
        plan = self.plan
        reset = f"durable-deploy swap --slot {plan.source} --target {plan.target} --action reset"
        todo = [reset, *steps] if self.preview_pending else list(steps)
        shown = [f"`{step}`" if step.startswith("durable-deploy") else step for step in todo]
        if len(shown) == 1:
            return f"run {shown[0]}"
        return "in this order: " + "; ".join(f"{i}. {step}" for i, step in enumerate(shown, 1))

    def _advice(self, failed: StageName, exit: Exit) -> str:
        plan = self.plan
        where = f"--slot {plan.source} --target {plan.target}"
        cause = self.report.stages[-1].detail.get("fix")
        refusal = getattr(self._failure, "refusal", None)
        if refusal is Refusal.PREVIEW_PENDING:
            self.preview_pending = True
            return self._commands("run the release again")
        if isinstance(self._failure, SwapMayHaveStarted):
            return (
                "wait for the swap in progress to finish (Activity log of the app), then run "
                "the release again: if it was this release's, the target carries its stamp "
                "and the re-run does not swap again"
            )
        if failed is StageName.SWAP:
            if self.preview_pending:
                return self._commands("run the release again")
            reset = (
                f"{plan.source} has its own slot settings again; "
                if self.report.stages[-1].detail.get("preview_reset")
                else ""
            )
            return reset + (cause or "fix the cause above and run the release again")
        if failed is StageName.VERIFY:
            return (
                f"{plan.target} runs the new code but its health check failed; to roll back, "
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


def _stamped(settings: dict[str, str], release: str) -> SettingsChange:
    result = {**settings, RELEASE_SETTING: release}
    changed = () if settings.get(RELEASE_SETTING) == release else (RELEASE_SETTING,)
    return SettingsChange(result, changed, ())


def account_of(settings: dict[str, str], durable: DurableReading) -> str:
    """Which account the durable connection points at, compared without reading secrets out.

    When the settings do not name one (a Key Vault reference, say), a digest of the value
    stands in: the same value is the same account, and the value itself is never shown.
    """
    name = durable.instances_connection_name
    if name is None:
        return "storage the package's host.json names"
    value = settings.get(name) or ""
    return (
        storage_account(settings, name)
        or f"setting {name} #{hashlib.sha256(value.encode()).hexdigest()[:8]}"
    )
