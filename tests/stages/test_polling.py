"""The one wait loop (scripts/stages/polling.py): timeouts counted on a driven clock, never
slept through, and no other loop in the shipped code that sleeps."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

from scripts.stages.arm import AppRef, SwapMayHaveStarted
from scripts.stages.exits import Exit, StageFailed
from scripts.stages.gate import DrainGate, GateSettings
from scripts.stages.polling import Polled, PollOutcome, attempts, poll
from scripts.stages.release import RELEASE_SETTING, Release, ReleasePlan
from scripts.stages.slot_operations import verify_health
from scripts.stages.target import DrainArgs
from taskhub.errors import StoreUnavailableError
from taskhub.hubs import TaskHub
from tests.support.checkout import ROOT, SHIPPED
from tests.support.fake_clock import DrivenClock
from tests.support.listed_source import ListedSource
from tests.support.servers import serve


@dataclass(frozen=True)
class Timing:
    timeout: float
    interval: float
    stable_for: int


def test_a_wait_that_never_succeeds_reads_until_the_timeout_and_sleeps_no_further() -> None:
    time = DrivenClock()
    result = Polled()
    poll(result, lambda: None, lambda _: False, Timing(60, 15, 2), clock=time.clock)
    assert (result.exit, result.outcome) == (Exit.NOT_YET, PollOutcome.TIMEOUT)
    assert result.reads == 5  # at 0, 15, 30, 45 and 60 seconds
    assert time.slept == [15, 15, 15, 15] and result.elapsed == 60


def test_the_last_sleep_is_cut_to_the_timeout() -> None:
    time = DrivenClock()
    poll(Polled(), lambda: None, lambda _: False, Timing(20, 15, 1), clock=time.clock)
    assert time.slept == [15, 5]


def test_a_timeout_of_zero_reads_once() -> None:
    time = DrivenClock()
    result = Polled()
    poll(result, lambda: None, lambda _: True, Timing(0, 15, 2), clock=time.clock)
    assert result.reads == 1 and result.exit is Exit.NOT_YET and time.slept == []


def test_a_bad_read_restarts_the_stable_window() -> None:
    reads = iter([True, False, True, True])
    time = DrivenClock()
    result = Polled()
    poll(result, lambda: next(reads), bool, Timing(600, 10, 2), clock=time.clock)
    assert result.exit is Exit.OK and result.reads == 4 and result.stable_reads == 2


def test_an_error_ends_the_wait_as_cannot_decide() -> None:
    def fetch() -> None:
        raise StoreUnavailableError("down")

    result = Polled()
    poll(result, fetch, bool, Timing(600, 10, 2), clock=DrivenClock().clock)
    assert (result.exit, result.outcome) == (Exit.CANNOT_DECIDE, PollOutcome.ERROR)


def test_attempts_without_a_timeout_go_on_until_the_caller_stops() -> None:
    time = DrivenClock()
    numbers = []
    for attempt in attempts(interval=2, clock=time.clock):
        numbers.append(attempt.number)
        if attempt.number == 50:
            break
    assert numbers == list(range(1, 51)) and sum(time.slept) == 98


def test_the_gate_times_out_on_the_clock_with_one_progress_line_per_wait() -> None:
    row: dict[str, object] = {"PartitionKey": "busy", "RuntimeStatus": "Running"}
    lines: list[str] = []
    time = DrivenClock()
    gate = DrainGate(
        ListedSource([row]),
        TaskHub("Orders"),
        GateSettings(timeout=1800, interval=15),
        lambda progress: lines.append(progress.line),
        time.clock,
    )
    result = gate.run()
    assert result.exit is Exit.NOT_YET and result.reads == 121
    assert len(lines) == 120 and lines[-1].startswith("[29:45] read 120: 1 unfinished")


@pytest.fixture(scope="module")
def unhealthy() -> Iterator[tuple[str, list[str]]]:
    asked: list[str] = []

    async def health(request: Request) -> PlainTextResponse:
        asked.append(request.url.path)
        return PlainTextResponse("warming up", status_code=503)

    with serve(Starlette(routes=[Route("/api/health", health)])) as url:
        yield f"{url}/api/health", asked


def test_the_health_check_gives_up_at_its_timeout(unhealthy: tuple[str, list[str]]) -> None:
    url, asked = unhealthy
    asked.clear()
    said: list[str] = []
    time = DrivenClock()
    with pytest.raises(StageFailed) as info:
        verify_health(url, 10, said.append, interval=2, clock=time.clock)
    assert info.value.exit is Exit.NOT_YET and "(last: HTTP 503)" in info.value.message
    assert len(asked) == 6 and len(said) == 5 and time.slept == [2, 2, 2, 2, 2]


def _sleeps(tree: ast.AST) -> list[int]:
    """Lines that sleep: `time.sleep(...)`, `asyncio.sleep(...)`, or `sleep` imported."""
    attributes = [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "sleep"]
    imports = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.ImportFrom) and any(a.name == "sleep" for a in n.names)
    ]
    return [n.lineno for n in attributes] + [n.lineno for n in imports]


# A transport's retries back off where the calls are made, as azure-core's RetryPolicy does
# for storage and ARM (httpx: "retries only in the transport"): they wait for no state to
# change, and the core cannot import the stages' loop. The scheduler's client is the one.
TRANSPORT_RETRIES = {"taskhub/scheduler/grpc_errors.py", "taskhub/scheduler/client.py"}


def test_no_shipped_code_sleeps_outside_the_one_wait_loop() -> None:
    home = ROOT / "scripts" / "stages" / "polling.py"
    sleeping = [
        f"{path.relative_to(ROOT)}:{line}"
        for package in SHIPPED
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != home and str(path.relative_to(ROOT)) not in TRANSPORT_RETRIES
        for line in _sleeps(ast.parse(path.read_text()))
    ]
    assert sleeping == []
    assert _sleeps(ast.parse(home.read_text()))  # the scan sees the one that does


class StampedLater:
    """A target slot whose settings carry the release's stamp from the `stamped_at`-th read."""

    def __init__(self, stamped_at: int | None) -> None:
        self.ref = AppRef("sub", "rg", "orders")
        self.reads = 0
        self.stamped_at = stamped_at

    def settings(self, slot: str) -> dict[str, str]:
        self.reads += 1
        stamped = self.stamped_at is not None and self.reads >= self.stamped_at
        return {RELEASE_SETTING: "r-1"} if stamped else {}


def _release(slots: StampedLater, time: DrivenClock) -> Release:
    plan = ReleasePlan(
        source="staging",
        target="production",
        release_id="r-1",
        functions=[],
        preview=False,
        gate=GateSettings(interval=15),
        drain=DrainArgs(None, None, None, None, None, 0, {}),
        stack=None,
        health_path="api/health",
        health_url=None,
        verify_timeout=1,
        swap_timeout=60,
    )
    return Release(slots, plan, lambda _line: None, time.clock)  # type: ignore[arg-type]


def test_a_swap_accepted_behind_a_lost_answer_is_waited_for_until_the_stamp_arrives() -> None:
    time, slots = DrivenClock(), StampedLater(stamped_at=4)
    lost = SwapMayHaveStarted("the retry got 409", status=409)
    assert _release(slots, time)._await_stamp(lost) == {"status": 409, "seconds": 15.0}
    assert slots.reads == 4 and time.slept == [5, 5, 5]  # every 5s at most, not --interval


def test_a_stamp_that_never_arrives_gives_the_lost_swap_back_at_the_swap_timeout() -> None:
    time, slots = DrivenClock(), StampedLater(stamped_at=None)
    lost = SwapMayHaveStarted("the retry got 409", status=409)
    with pytest.raises(SwapMayHaveStarted):
        _release(slots, time)._await_stamp(lost)
    assert sum(time.slept) == 60 and slots.reads == 13
