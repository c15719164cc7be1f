"""The gate polls with ids and statuses only, and reads the detail of what it reports once.

The source here keeps rows in memory and answers a lean read with the two columns a
backend sends for it (`taskhub.instances.DRAIN_COLUMNS`), so what the report shows can
only come from the one detail read.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from scripts.stages.exits import Exit
from scripts.stages.gate import DrainGate, GateSettings
from scripts.stages.polling import Clock
from taskhub.errors import StoreUnavailableError
from taskhub.hubs import TaskHub
from taskhub.instance_rows import InstanceRecord, read_row
from taskhub.instances import DRAIN_COLUMNS
from taskhub.status import is_finished
from tests.support.listed_source import ListedSource

START = datetime(2026, 1, 1, tzinfo=UTC)


def row(key: str, status: str | None, version: str, minutes: int) -> dict[str, Any]:
    written: dict[str, Any] = {
        "PartitionKey": key,
        "Name": "Flow",
        "Version": version,
        "CreatedTime": START + timedelta(minutes=minutes),
    }
    if status is not None:
        written["RuntimeStatus"] = status
    return written


class ScriptedSource(ListedSource):
    """Rows in memory; `before_detail` runs before the first detail read (the hub moves on)."""

    def __init__(
        self, rows: list[dict[str, Any]], before_detail: Callable[[], object] = lambda: None
    ) -> None:
        super().__init__([])
        self.rows = rows
        self.reads: list[str] = []
        self._before_detail = before_detail

    def unfinished(
        self, *, include_entities: bool = False, detail: bool = True
    ) -> Sequence[InstanceRecord]:
        self.reads.append("detail" if detail else "lean")
        if detail and self.reads.count("detail") == 1:
            self._before_detail()
        columns = None if detail else DRAIN_COLUMNS
        records = [
            read_row({k: v for k, v in r.items() if columns is None or k in columns})
            for r in self.rows
        ]
        return [r for r in records if not is_finished(r.runtime_status) or not r.readable]

    def instances(self, *, include_entities: bool = False) -> Sequence[InstanceRecord]:
        self.reads.append("all")
        return [read_row(r) for r in self.rows]


def run(source: ScriptedSource, **settings: Any) -> Any:
    now = [0.0]
    clock = Clock(
        monotonic=lambda: now[0], sleep=lambda seconds: now.__setitem__(0, now[0] + seconds)
    )
    values = {"timeout": 30, "interval": 10, "stable_for": 1, **settings}
    return DrainGate(source, TaskHub("Orders"), GateSettings(**values), clock=clock).run()


def test_the_poll_is_lean_and_the_report_reads_the_detail_once() -> None:
    source = ScriptedSource(
        [row("b", "Running", "2.0", 2), row("a", "Pending", "1.0", 1), row("no", None, "1.0", 3)]
    )
    result = run(source)
    assert result.exit is Exit.NOT_YET and result.reads == 4
    assert source.reads == ["lean"] * 4 + ["detail"]
    snap = result.snapshot
    assert [r.instance_id for r in snap.blocking] == ["a", "b", "no"]  # oldest first
    assert snap.by_version == {"1.0": 2, "2.0": 1}
    assert snap.by_status == {"": 1, "Pending": 1, "Running": 1}
    assert [r.instance_id for r in snap.unreadable] == ["no"]


def test_a_drained_hub_reads_no_detail() -> None:
    source = ScriptedSource([row("a", "Completed", "1.0", 1)])
    assert run(source).exit is Exit.OK and source.reads == ["lean"]


def test_an_instance_that_finished_before_the_detail_read_is_still_reported() -> None:
    rows = [row("a", "Running", "1.0", 1), row("b", "Running", "2.0", 2)]
    source = ScriptedSource(rows, lambda: rows[0].update(RuntimeStatus="Completed"))
    result = run(source, timeout=0)
    assert source.reads == ["lean", "detail", "all"]
    assert result.snapshot.by_version == {"1.0": 1, "2.0": 1}
    assert result.snapshot.by_status == {"Completed": 1, "Running": 1}


def test_an_instance_purged_before_the_detail_read_is_reported_unreadable() -> None:
    rows = [row("a", "Running", "1.0", 1), row("b", "Running", "2.0", 2)]
    source = ScriptedSource(rows, lambda: rows.pop(0))
    result = run(source, timeout=0)
    assert [r.instance_id for r in result.snapshot.blocking] == ["b", "a"]
    assert [r.instance_id for r in result.snapshot.unreadable] == ["a"]
    assert result.exit is Exit.NOT_YET


def test_a_failed_detail_read_is_cannot_decide() -> None:
    def fail() -> None:
        raise StoreUnavailableError("the table did not answer")

    source = ScriptedSource([row("a", "Running", "1.0", 1)], fail)
    result = run(source, timeout=0)
    assert result.exit is Exit.CANNOT_DECIDE and "did not answer" in str(result.error)
    assert result.snapshot is None  # no versions to report, rather than "unversioned"


def test_a_poll_that_ends_on_an_error_still_describes_its_last_good_read() -> None:
    rows = [row("a", "Running", "1.0", 1)]
    source = ScriptedSource(rows)
    reads = 0

    def flaky(*, include_entities: bool = False, detail: bool = True) -> Any:
        nonlocal reads
        reads += 1
        if reads == 2:
            raise StoreUnavailableError("the table did not answer")
        return ScriptedSource.unfinished(source, include_entities=include_entities, detail=detail)

    source.unfinished = flaky  # type: ignore[method-assign]
    result = run(source, stable_for=2)
    assert result.exit is Exit.CANNOT_DECIDE and "did not answer" in str(result.error)
    assert source.reads == ["lean", "detail"]
    assert result.snapshot.by_version == {"1.0": 1}


def test_ignoring_an_orchestration_polls_every_column() -> None:
    """An unreadable Version keeps a row of an ignored orchestration holding the gate."""
    rows = [row("loop", "Running", "1.0", 1), row("odd", "Running", "1.0", 2)]
    rows[1]["Version"] = True
    source = ScriptedSource(rows)
    result = run(source, timeout=0, ignore_orchestrations=("Flow",))
    assert source.reads == ["detail"]
    assert [r.instance_id for r in result.snapshot.blocking] == ["odd"]
    assert [r.instance_id for r in result.snapshot.ignored] == ["loop"]
