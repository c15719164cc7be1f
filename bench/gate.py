"""Benchmark: what the gate's query costs against the alternatives, on one Azurite.

A hub of N instances (default 20,000) with 2 KB inputs, 1% unfinished, and one row in a
thousand with no RuntimeStatus column at all. Five ways to ask "what is unfinished?", each
timed over several runs, with the bytes received:
  (a) list every row and filter in Python;
  (b) DurableTask's own status filter, which fetches whole rows;
  (c) the gate's poll, as `durable-deploy gate` sends and decodes it (InstanceStore's
      lean read: server-side not-terminal filter that also returns rows without a status,
      entity range, PartitionKey and RuntimeStatus, no OData metadata);
  (d) the floor: the same filtered scan selecting only PartitionKey, no metadata, rows
      not decoded into records;
  (e) our earlier query, `RuntimeStatus ne ...` alone, which cannot see rows without a
      status: what the extra `not (... eq ...)` branch of (c) costs.
Printed as medians and the ratios c/b, c/d and c/e, one per line ("ratio c/b time 0.55"),
all measured in this run; a ratio that misses its goal is a figure, never a failure.

The seeded hub is kept in bench/.data so later runs skip the seeding.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from azure.data.tables import TableServiceClient, UpdateMode

from standins.azurite import DEV_ACCOUNT, Account, Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.instances import INSTANCE_COLUMNS, NO_METADATA, InstanceStore, unfinished_filter
from taskhub.status import TERMINAL_STATUSES, is_finished

DATA = Path(__file__).resolve().parent / ".data"
HUB = TaskHub("BenchHub")
UNFINISHED = ["Running", "Running", "Pending", "Suspended", "ContinuedAsNew"]
FINISHED = ["Completed"] * 8 + ["Failed", "Terminated"]
DURABLETASK_FILTER = (
    "(CreatedTime ge datetime'2000-01-01T00:00:00.0000000Z') and "
    "(RuntimeStatus eq 'Running' or RuntimeStatus eq 'Pending')"
)
EARLIER_FILTER = "(PartitionKey lt '@' or PartitionKey ge 'A') and " + " and ".join(
    f"RuntimeStatus ne '{s}'" for s in sorted(TERMINAL_STATUSES)
)
STATUSLESS_EVERY = 1000


def _instances(count: int) -> list[SimulatedInstance]:
    payload = '"' + "p" * 2046 + '"'  # 2 KB of JSON input per instance
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return [
        SimulatedInstance(
            f"inst-{i:06d}",
            "ProcessOrder",
            # One in a hundred is unfinished.
            UNFINISHED[i // 100 % len(UNFINISHED)] if i % 100 == 0 else FINISHED[i % 10],
            version="1.0",
            input=payload,
            created=start + timedelta(seconds=i),
        )
        for i in range(count)
    ]


def _seed(service: TableServiceClient, count: int, marker: Path | None) -> None:
    if marker and marker.exists():
        print(f"reusing the seeded hub in {marker.parent}")
        return
    host = DurableHostSimulator(service, HUB)
    host.create_hub()
    started = time.monotonic()
    print(f"seeding {count} instances (32 concurrent upserts)...", flush=True)
    host.write_many(_instances(count), concurrency=32)
    for i in range(STATUSLESS_EVERY // 20, count, STATUSLESS_EVERY):
        # A row some other writer left without a RuntimeStatus column.
        row = host.row(_instances(1)[0])
        row["PartitionKey"] = f"nostatus-{i:06d}"
        del row["RuntimeStatus"]
        host.table.upsert_entity(row, mode=UpdateMode.REPLACE)
    print(f"seeded in {time.monotonic() - started:.1f}s")
    if marker:
        marker.write_text(str(count))


def _measure(
    azurite: Azurite, query: Callable[[TableServiceClient], int], runs: int
) -> tuple[float, int, int]:
    """Median seconds, bytes received in one run, and unfinished rows found."""
    times: list[float] = []
    received = [0]
    found = 0
    with TableServiceClient.from_connection_string(
        azurite.connection_string(),
        raw_response_hook=lambda r: received.__setitem__(
            0, received[0] + len(r.http_response.body() or b"")
        ),
    ) as service:
        query(service)  # warm-up: the connection, and Azurite's first scan of the table
        for _ in range(runs):
            received[0] = 0
            started = time.perf_counter()
            found = query(service)
            times.append(time.perf_counter() - started)
    return statistics.median(times), received[0], found


def _table(service: TableServiceClient) -> Any:
    return service.get_table_client(HUB.instances_table)


def _everything(service: TableServiceClient) -> int:
    rows = _table(service).list_entities()
    return sum(1 for row in rows if not is_finished(row.get("RuntimeStatus")))


def _durabletask(service: TableServiceClient) -> int:
    return sum(1 for _ in _table(service).query_entities(DURABLETASK_FILTER))


def _gate_poll(service: TableServiceClient) -> int:
    return len(InstanceStore(service, HUB).unfinished(detail=False))


def _floor(service: TableServiceClient) -> int:
    rows = _table(service).query_entities(
        unfinished_filter(), select=["PartitionKey"], headers=NO_METADATA
    )
    return sum(1 for _ in rows)


def _earlier(service: TableServiceClient) -> int:
    rows = _table(service).query_entities(EARLIER_FILTER, select=list(INSTANCE_COLUMNS))
    return sum(1 for _ in rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--instances", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--fresh", action="store_true", help="seed into memory, keep nothing")
    args = parser.parse_args(argv)

    location = None if args.fresh else DATA / f"azurite-{args.instances}-statusless"
    with Azurite((Account(DEV_ACCOUNT),), location=location) as azurite:
        with TableServiceClient.from_connection_string(azurite.connection_string()) as service:
            _seed(service, args.instances, location / "seeded" if location else None)
        results = {
            "a  list all, filter in Python": _measure(azurite, _everything, args.runs),
            "b  DurableTask status filter  ": _measure(azurite, _durabletask, args.runs),
            "c  durable-deploy gate poll   ": _measure(azurite, _gate_poll, args.runs),
            "d  floor (PartitionKey only)  ": _measure(azurite, _floor, args.runs),
            "e  earlier query (ne only)    ": _measure(azurite, _earlier, args.runs),
        }
    print(
        f"\n{args.instances} instances, 2 KB inputs, 1% unfinished, 1 in {STATUSLESS_EVERY} "
        f"without RuntimeStatus; median of {args.runs} runs"
    )
    print(f"{'query':32} {'median ms':>10} {'KB received':>12} {'unfinished':>11}")
    for label, (seconds, size, found) in results.items():
        print(f"{label:32} {seconds * 1000:10.1f} {size / 1024:12.1f} {found:11d}")
    (_, (tb, bb, _), (tc, bc, _), (td, bd, _), (te, be, _)) = results.values()
    print("\n(c/b: ours against DurableTask's filter, goals time <= 0.59, bytes <= 0.1;")
    print(" c/d: ours against the floor, goal time <= 1.15; c/e: the rows-without-status branch)")
    for pair, (t1, b1), (t2, b2) in (
        ("c/b", (tc, bc), (tb, bb)),
        ("c/d", (tc, bc), (td, bd)),
        ("c/e", (tc, bc), (te, be)),
    ):
        print(f"ratio {pair} time {t1 / t2:.2f}")
        print(f"ratio {pair} bytes {b1 / b2:.3f}")
    print("(b) counts only Running and Pending: it misses Suspended and ContinuedAsNew.")
    print("(e) misses the rows without a RuntimeStatus, which (c) returns and the gate holds;")
    print("(e) selects the detail columns the gate's poll read before it went lean.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
