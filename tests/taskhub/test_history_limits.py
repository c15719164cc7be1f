"""Bounded replay input (taskhub/history.py): gzip bombs, deep JSON and odd blob names make
one history unreadable, cheaply, before any parser or request trusts them."""

from __future__ import annotations

import gzip
import json
import subprocess
import sys
import textwrap
import zlib
from collections.abc import Iterator

import pytest

from taskhub.history import (
    MAX_BLOB_BYTES,
    MAX_JSON_DEPTH,
    Budget,
    UnreadableHistory,
    blob_name,
    gunzip,
    to_worker_event,
    too_deep,
)
from tests.support.checkout import ROOT

MiB = 2**20


def bomb(member_mib: int, members: int) -> bytes:
    """`members` gzip members of `member_mib` MiB of zeros each: a valid gzip stream (Python's
    gzip and .NET's GZipStream read every member) that inflates ~1000-fold."""
    return gzip.compress(b"\0" * (member_mib * MiB), compresslevel=9) * members


def chunks(data: bytes, size: int = 64 * 1024) -> Iterator[bytes]:
    return (data[i : i + size] for i in range(0, len(data), size))


# DurableTask.AzureStorage AzureTableTrackingStore.GetBlobName, for an ExecutionStarted row.
ROW = {
    "PartitionKey": "order^01",  # instance id "order/1", escaped as KeySanitation does
    "RowKey": "0000000000000001",
    "EventType": "ExecutionStarted",
    "_Timestamp": "2026-01-01T00:00:00Z",
}
NAME = "order^01/history-0000000000000001-ExecutionStarted-1A2B3C4D-Input.json.gz"


def test_gunzip_reads_what_gzip_reads() -> None:
    text = json.dumps({"order": "x" * 100_000}).encode()
    two_members = gzip.compress(text[:50]) + gzip.compress(text[50:])
    assert gunzip(chunks(gzip.compress(text), 7), len(text), "blob") == text
    assert gunzip(two_members, len(text), "blob") == gzip.decompress(two_members)
    assert gunzip(b"", 10, "blob") == b""


def test_a_bomb_stops_at_the_limit() -> None:
    with pytest.raises(UnreadableHistory, match="inflates beyond 1048576 bytes"):
        gunzip(chunks(bomb(4, 1)), MiB, "blob")


def test_a_truncated_or_foreign_stream_is_not_gzip() -> None:
    whole = gzip.compress(b"x" * 1000)
    with pytest.raises(zlib.error):
        gunzip(whole[:-12], 10_000, "blob")
    with pytest.raises(zlib.error):
        gunzip(b"plain text", 10_000, "blob")


def test_endless_empty_members_are_refused_by_their_compressed_size() -> None:
    with pytest.raises(UnreadableHistory, match="larger than"):
        gunzip(chunks(gzip.compress(b"") * 10_000), 1000, "blob")


def test_one_history_has_one_budget_over_its_blobs() -> None:
    budget = Budget(left=MAX_BLOB_BYTES + 10)
    payload = gzip.compress(b"a" * MAX_BLOB_BYTES)
    rows = [
        {**ROW, "RowKey": f"{n:016X}", "InputBlobName": NAME.replace("1-", f"{n:X}-", 1)}
        for n in (1, 2)
    ]
    to_worker_event(rows[0], lambda _: payload, budget)
    with pytest.raises(UnreadableHistory, match="inflates beyond 10 bytes"):
        to_worker_event(rows[1], lambda _: payload, budget)


@pytest.mark.parametrize(
    "name",
    [
        NAME,
        # Before Azure/durabletask#891 (2023) there was no random part.
        "order^01/history-0000000000000001-ExecutionStarted-Input.json.gz",
    ],
)
def test_the_names_durabletask_writes_are_read(name: str) -> None:
    assert blob_name(ROW, "Input", name) == name


@pytest.mark.parametrize(
    "name",
    [
        "../secrets/history-0000000000000001-ExecutionStarted-Input.json.gz",
        "order^01/../../other/blob",
        "/order^01/history-0000000000000001-ExecutionStarted-Input.json.gz",
        "https://evil.example/history-0000000000000001-ExecutionStarted-Input.json.gz",
        "other/history-0000000000000001-ExecutionStarted-Input.json.gz",  # another instance
        "order^01/history-0000000000000002-ExecutionStarted-Input.json.gz",  # another row
        "order^01/history-0000000000000001-ExecutionStarted-Result.json.gz",  # another column
        "order^01/history-0000000000000001-ExecutionStarted-1a2b3c4d-Input.json.gz",
        "order^01/history-0000000000000001-ExecutionStarted-Input.json.gz/..",
        "bad/not-gzip",
    ],
)
def test_any_other_name_is_refused_before_a_request(name: str) -> None:
    asked: list[str] = []

    def read(blob: str) -> bytes:
        asked.append(blob)
        return b""

    with pytest.raises(UnreadableHistory, match="not the blob DurableTask writes"):
        to_worker_event({**ROW, "InputBlobName": name}, read)
    assert asked == []


@pytest.mark.parametrize("key", ["..", "."])
def test_a_dot_instance_id_cannot_name_a_blob_safely(key: str) -> None:
    """DurableTask would write `../history-...` for instance id ".."; HTTP clients remove dot
    segments from a URL path (RFC 3986 5.2.4), so the request would reach another blob."""
    name = f"{key}/history-0000000000000001-ExecutionStarted-Input.json.gz"
    with pytest.raises(UnreadableHistory):
        blob_name({**ROW, "PartitionKey": key}, "Input", name)


def test_json_depth_is_counted_without_recursion() -> None:
    deep = "[" * 5000 + "]" * 5000
    assert too_deep(deep)
    assert not too_deep("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH)
    assert too_deep("[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1))
    # Brackets inside strings (escaped quotes included) are text, not nesting.
    assert not too_deep(json.dumps(["[" * 5000, '\\"[[[' * 1000]))
    assert not too_deep('"[[[[[[' + "[" * 5000 + '"')  # a JSON string, not a container


@pytest.mark.parametrize("column", ["OrchestrationInstance", "Input", "Result"])
def test_a_deep_column_is_unreadable_not_a_recursion_error(column: str) -> None:
    deep = "[" * 2000 + "]" * 2000
    with pytest.raises(UnreadableHistory, match=f"column {column} nests JSON deeper"):
        to_worker_event({**ROW, column: deep}, None)


# A reader in a child process, address space capped so that a regression fails the test
# instead of the machine: it reads the bomb as the replay does and reports its peak RSS
# (the bomb itself is built in the same process, so the peak includes it).
PEAK = textwrap.dedent(
    """
    import gzip, resource, sys
    resource.setrlimit(resource.RLIMIT_AS, (3 * 2**30, 3 * 2**30))
    from taskhub.history import UnreadableHistory, to_worker_event
    member_mib, members = int(sys.argv[1]), int(sys.argv[2])
    data = gzip.compress(b"\\0" * (member_mib * 2**20), compresslevel=9) * members
    row = {
        "PartitionKey": "o", "RowKey": "0000000000000001", "EventType": "ExecutionStarted",
        "_Timestamp": "2026-01-01T00:00:00Z",
        "InputBlobName": "o/history-0000000000000001-ExecutionStarted-Input.json.gz",
    }
    chunks = lambda name: (data[i : i + 65536] for i in range(0, len(data), 65536))
    try:
        to_worker_event(row, chunks)
        outcome = "read"
    except UnreadableHistory as exc:
        outcome = str(exc)
    except MemoryError:
        outcome = "MemoryError"
    # VmHWM: this process's own peak. getrusage's ru_maxrss keeps the parent's peak
    # across fork and exec on Linux, so under a big test run it reports pytest's.
    status = open("/proc/self/status").read().split("VmHWM:")[1]
    print(len(data), int(status.split()[0]) // 1024, outcome)
    """
)


@pytest.mark.parametrize(
    ("member_mib", "members", "inflated_gib"),
    [(4, 100, 0.39), (64, 80, 5.0)],
)
def test_a_bomb_costs_a_bounded_buffer(member_mib: int, members: int, inflated_gib: float) -> None:
    """0.4 MB of gzip (inflating to 400 MiB: deflate's ratio tops out near 1032:1) and 5 MB
    (5 GiB): either is unreadable, and the reader's peak RSS stays under 200 MB."""
    run = subprocess.run(
        [sys.executable, "-c", PEAK, str(member_mib), str(members)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    size, peak_mib, outcome = run.stdout.split(" ", 2)
    assert member_mib * members / 1024 == pytest.approx(inflated_gib, rel=0.05)
    assert "inflates beyond" in outcome
    assert int(peak_mib) < 200, f"{int(size) / 1e6:.1f} MB of gzip peaked at {peak_mib} MiB"
