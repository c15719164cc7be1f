"""Benchmark: replay-check's history reads, sequential against concurrent, and the cost of
the completed-history prefix mode, on one Azurite.

N in-flight instances (default 500) with about 40 events each, waiting after their tenth
activity, plus M completed ones (default 2,000) of the same orchestrator (in a second hub:
see DONE_HUB).
Printed, all measured in this run: in-flight instances replayed per second with one read
at a time and with `--concurrency` reads at a time (the command's default pool), and
what `--completed-since` costs per completed history and per prefix, against the same
histories replayed once each as in-flight ones are (`_prefix_cost`); then each ratio on
a line of its own ("ratio proxy concurrent/sequential 4.10"). A ratio short of its goal
is a figure, never a failure: the exit status is non-zero only on an error.

The hub lives in Azurite's memory: persisting ~100,000 rows to disk costs more than
seeding them again.
"""

from __future__ import annotations

import argparse
import sys
import time
import uuid
from collections.abc import Callable, Generator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

from azure.data.tables import TableServiceClient, UpdateMode
from azure.durable_functions import Orchestrator
from azure.storage.blob import BlobServiceClient

from scripts.stages.replay.hub import (
    DEFAULT_CONCURRENCY,
    Selection,
    judge_in_flight,
    replay_completed,
    replay_unfinished,
)
from scripts.stages.replay.judge import Outcome, Replay
from scripts.stages.replay.numbering import Orchestration
from scripts.stages.replay.workers import Read, judged, workers
from standins.azurite import DEV_ACCOUNT, Account, Azurite
from standins.history_simulator import HistoryWriter, Recorded, drive
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from standins.latency_proxy import LatencyProxy
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.hubs import TaskHub
from taskhub.instance_rows import InstanceRecord
from taskhub.sources import HubAddress, open_source

HUB = TaskHub("ReplayBench")
DONE_HUB = TaskHub("ReplayBenchDone")
"""The completed histories live in a second hub: Azurite scans a whole table for each
PartitionKey query (a storage account does not), so 90,000 completed rows in the same
table would make the emulator, not replay-check, what the in-flight figures measure."""
STEPS = 10
RETRY = RetrySettings()
T = TypeVar("T")


def ten_steps(context: Any) -> Generator[Any, Any, Any]:
    """Ten activities in a row: about 40 events by the tenth (4 per episode)."""
    value = context.get_input()
    for step in range(STEPS + 1):
        value = yield context.call_activity(f"Step{step}", value)
    return value


ORCHESTRATION = Orchestration(ten_steps)
ACTIVITIES: dict[str, Callable[[Any], Any]] = {f"Step{n}": lambda v: v for n in range(STEPS + 1)}


def _template(steps: int) -> Recorded:
    return drive(
        Orchestrator.create(ten_steps),
        ACTIVITIES,
        instance_id="template",
        version="1.0",
        input={"order": 1},
        steps=steps,
        name="TenSteps",
    )


def _clone(template: Recorded, instance_id: str) -> Recorded:
    execution = uuid.uuid4().hex
    events = [dict(e) for e in template.events]
    events[1]["OrchestrationInstance"] = (
        f'{{"InstanceId": "{instance_id}", "ExecutionId": "{execution}"}}'
    )
    return replace(template, instance_id=instance_id, execution_id=execution, events=events)


def _seed(azurite: Azurite, in_flight: int, completed: int) -> None:
    started = time.monotonic()
    connection = azurite.connection_string()
    with TableServiceClient.from_connection_string(connection) as service:
        blobs = BlobServiceClient.from_connection_string(connection)
        stores = {}
        for hub in (HUB, DONE_HUB):
            stores[hub.name] = (
                DurableHostSimulator(service, hub),
                HistoryWriter(service, blobs, hub),
            )
            stores[hub.name][0].create_hub()
        plans = [("live", in_flight, _template(STEPS), "Running")]
        plans.append(("done", completed, _template(10 * STEPS), "Completed"))
        runs = [
            (_clone(template, f"{prefix}-{n:05d}"), status)
            for prefix, count, template, status in plans
            for n in range(count)
        ]
        print(f"seeding {len(runs)} histories (one batch each, 8 at a time)...", flush=True)

        def store(item: tuple[Recorded, str]) -> None:
            run, status = item
            host, writer = stores[(DONE_HUB if status == "Completed" else HUB).name]
            operations = [("upsert", row, {"mode": UpdateMode.REPLACE}) for row in writer.rows(run)]
            writer.table.submit_transaction(operations)
            host.write(
                SimulatedInstance(
                    run.instance_id,
                    run.name,
                    status,
                    run.version,
                    created=datetime(2026, 1, 1, tzinfo=UTC),
                    execution_id=run.execution_id,
                )
            )

        with ThreadPoolExecutor(8) as pool:
            list(pool.map(store, runs))
    print(f"seeded in {time.monotonic() - started:.1f}s")


def _timed(work: Callable[[], T]) -> tuple[float, T]:
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _quiet(_: str) -> None:
    """Progress lines are not part of what is measured."""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--in-flight", type=int, default=500)
    parser.add_argument("--completed", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=DEFAULT_CONCURRENCY)
    parser.add_argument(
        "--latency-ms", type=float, default=20, help="the proxy's delay per request"
    )
    args = parser.parse_args(argv)

    with Azurite((Account(DEV_ACCOUNT),), blobs=True) as azurite:
        _seed(azurite, args.in_flight, args.completed)
        loopback = azurite.connection_string()
        print(f"\nin flight: {args.in_flight} histories of ~{len(_template(STEPS).events)} events")
        ratios = {
            "loopback concurrent/sequential": _compare_reads(
                "Azurite on loopback", loopback, args.concurrency
            )
        }
        port = f":{azurite.table_port}/"
        with LatencyProxy(azurite.table_port, args.latency_ms) as proxy:
            ratios["proxy concurrent/sequential"] = _compare_reads(
                f"through a {args.latency_ms:g} ms proxy",
                loopback.replace(port, f":{proxy.port}/"),
                args.concurrency,
            )
        ratios["prefix/in-flight per history"] = _prefix_cost(
            loopback, args.completed, args.concurrency
        )
    print("\n(goals: proxy concurrent/sequential >= 4, prefix/in-flight per history <= 1.5)")
    for name, ratio in ratios.items():
        print(f"ratio {name} {ratio:.2f}")
    return 0


def _target(connection: str, hub: TaskHub = HUB) -> HubAddress:
    return HubAddress(hub, StorageConnection.from_connection_string(connection))


def _compare_reads(label: str, connection: str, concurrency: int) -> float:
    """Instances/s with one read at a time and with `concurrency`; returns the ratio."""
    target = _target(connection)

    def in_flight(reads: int) -> float:
        seconds, results = _timed(
            lambda: replay_unfinished(ORCHESTRATION, target, RETRY, Selection(), _quiet, reads)
        )
        if not all(r.outcome == Outcome.OK for _, r in results):
            raise SystemExit("an unchanged history did not replay: the benchmark is broken")
        return len(results) / seconds

    in_flight(concurrency)  # warm-up: connections, imports, Azurite's caches
    sequential, concurrent = in_flight(1), in_flight(concurrency)
    print(
        f"{label:28} sequential {sequential:7.1f}/s  concurrent ({concurrency}) {concurrent:7.1f}/s"
    )
    return concurrent / sequential


def _prefix_cost(connection: str, completed: int, concurrency: int) -> float:
    """Prints what prefix mode costs; returns its time per history over what the same
    histories cost replayed once each, as an in-flight history is (same table, same reads:
    Azurite scans the whole table for each history, so histories read from the larger
    completed hub cost more to read than the in-flight hub's, whatever replay-check does;
    the time per in-flight history of the in-flight hub is printed beside it)."""
    target, done = _target(connection), _target(connection, DONE_HUB)
    since = datetime.now(UTC) - timedelta(days=7)
    in_flight_time, in_flight = _timed(
        lambda: replay_unfinished(ORCHESTRATION, target, RETRY, Selection(), _quiet, concurrency)
    )
    once_time, once = _timed(lambda: _replayed_once(done, since, concurrency))
    seconds, report = _timed(
        lambda: replay_completed(
            ORCHESTRATION, done, RETRY, since, completed, Selection(), _quiet, concurrency
        )
    )
    per_history = seconds / max(report.histories, 1)
    baseline = once_time / max(once, 1)
    print(
        f"prefix mode: {report.histories} completed histories, {report.prefixes} prefixes in "
        f"{seconds:.1f}s: {per_history * 1000:.1f} ms per history; replayed once each "
        f"{baseline * 1000:.1f} ms (the in-flight hub's: "
        f"{in_flight_time / max(len(in_flight), 1) * 1000:.1f} ms), "
        f"{seconds / max(report.prefixes, 1) * 1000:.2f} ms per prefix; "
        f"findings {len(report.findings)}"
    )
    return per_history / baseline


def _replayed_once(done: HubAddress, since: datetime, concurrency: int) -> int:
    """Replays each completed history once, whole, as replay-check replays an in-flight
    one (the same reads and workers); returns how many."""

    def judge(orchestration: Orchestration, record: InstanceRecord, read: Read) -> Replay | None:
        return judge_in_flight(orchestration, record, read, Selection())

    with (
        workers(ORCHESTRATION, done, RETRY, judge, concurrency) as pool,
        open_source(done, RETRY) as source,
    ):
        records = source.completed_since(since)
        results = list(judged(pool, source, records, ORCHESTRATION, judge, concurrency))
    if not all(r is not None and r.outcome == Outcome.OK for _, r in results):
        raise SystemExit("a completed history did not replay whole: the benchmark is broken")
    return len(results)


if __name__ == "__main__":
    sys.exit(main())
