"""What a stage does to an app's slots: swap them, stop and restore their starters, drain the
hub a slot runs, and ask a slot's health path. `swap`, `quiesce`, `resume` and `release` all
act through these, so a slot is changed one way whoever asks.

Each operation is safe to run again: a settings rewrite writes nothing when nothing
changes, and a quiesce keeps the starters' earlier values for the resume.
"""

from __future__ import annotations

from collections.abc import Callable
from enum import StrEnum
from typing import Any

import httpx

from scripts.stages.arm import AppSite, AppSlots
from scripts.stages.exits import Exit, StageFailed
from scripts.stages.gate import GateProgress, GateResult, GateSettings, run_gate
from scripts.stages.polling import SYSTEM_CLOCK, Attempt, Clock, attempts
from scripts.stages.stack_outputs import StackApp
from scripts.stages.target import DrainArgs, SlotHub, slot_hub
from taskhub.errors import ConfigurationError, offering_allow_missing_hub
from taskhub.secrets import register
from taskhub.starters import (
    MARKER_SETTING,
    SettingsChange,
    function_name_problem,
    quiesced,
    resumed,
)

Say = Callable[[str], None]


class SwapAction(StrEnum):
    SWAP = "swap"
    PREVIEW = "preview"
    COMPLETE = "complete"
    RESET = "reset"


def drain_slot(
    slots: AppSlots,
    slot: str,
    drain: DrainArgs,
    stack: StackApp | None,
    settings: GateSettings,
    say: Say,
    clock: Clock = SYSTEM_CLOCK,
) -> tuple[SlotHub, GateResult]:
    """Runs the drain gate on the hub `slot` runs now."""
    found = slot_hub(slots, slot, drain, stack)
    hub, connection = found.address.hub, found.address.connection
    register(connection.secrets)  # a key read from the slot's settings is masked everywhere
    say(f"gate: slot {slot!r} runs hub {hub.name!r} ({found.source}) at {connection.description}")

    def progress(read: GateProgress) -> None:
        say(f"  {read.line}")

    return found, run_gate(found.address, drain.retry, settings, on_progress=progress, clock=clock)


def gate_verdict(
    result: GateResult, found: SlotHub, *, allow_missing_hub_option: bool = False
) -> dict[str, Any]:
    """The gate's read as a stage's detail; StageFailed unless the hub drained. The fix of a
    missing hub names --allow-missing-hub only where the command takes it
    (`allow_missing_hub_option`: release does, swap --require-drained does not)."""
    snap = result.snapshot
    detail = {
        "hub": found.address.hub.name,
        "hub_from": found.source,
        "drained": result.drained,
        "not_finished": len(snap.blocking) if snap else None,
        "by_status": snap.by_status if snap else {},
        "reads": result.reads,
    }
    if result.error:
        error = result.error
        if allow_missing_hub_option:
            error = offering_allow_missing_hub(error)
        detail["fix"] = error.fix
        raise StageFailed(error.message, Exit.CANNOT_DECIDE, detail)
    if not result.drained:
        raise StageFailed(
            f"hub {found.address.hub.name!r} still has {detail['not_finished']} unfinished "
            "orchestration(s)",
            Exit.NOT_YET,
            detail,
        )
    return detail


def run_swap_action(
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
    return rewrite_settings(slots, slot, lambda current: quiesced(current, functions), writing)


def resume(slots: AppSlots, slot: str) -> SettingsChange:
    return rewrite_settings(slots, slot, resumed)


def rewrite_settings(
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


def verify_health(
    url: str, timeout: float, say: Say, interval: float = 2.0, clock: Clock = SYSTEM_CLOCK
) -> dict[str, Any]:
    """Asks `url` until it answers 2xx (the slot restarts after a swap) or `timeout` passes."""
    last = "no answer"

    def asking_again(attempt: Attempt, _pause: float) -> None:
        say(f"  verify: {url} -> {last}; asking again ({attempt.elapsed:.0f}s)")

    with httpx.Client(timeout=10, follow_redirects=False) as client:
        for _ in attempts(
            timeout=timeout, interval=interval, clock=clock, before_sleep=asking_again
        ):
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
    raise StageFailed(
        f"{url} did not answer 2xx within {timeout:g}s (last: {last})",
        Exit.NOT_YET,
        {"url": url, "last": last},
    )


def swap_slots(
    site: AppSite,
    action: SwapAction,
    source: str,
    target: str,
    say: Say,
    *,
    drained: tuple[DrainArgs, StackApp | None] | None = None,
) -> dict[str, Any]:
    """`swap`: one swap action on the app, after one read of the target's hub when
    `drained` names how to find it (StageFailed, nothing swapped, while it is busy)."""
    slots = site.open()
    done: dict[str, Any] = {}
    if drained is not None and action in (SwapAction.SWAP, SwapAction.COMPLETE):
        drain, stack = drained
        once = GateSettings(timeout=0, stable_for=1)
        found, result = drain_slot(slots, target, drain, stack, once, say)
        done["gate"] = gate_verdict(result, found)
    return {**done, **run_swap_action(slots, action, source, target, say)}


def quiesce_slot(site: AppSite, slot: str, functions: list[str]) -> SettingsChange:
    """`quiesce`: disable the named starters on `slot`."""
    return quiesce(site.open(), slot, functions)


def resume_slot(site: AppSite, slot: str) -> SettingsChange:
    """`resume`: restore the starters `quiesce` disabled on `slot`."""
    return resume(site.open(), slot)
