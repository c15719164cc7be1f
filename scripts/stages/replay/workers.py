"""Reading and judging a hub's histories on every core.

A history costs a network round trip and then CPU: decoding its rows (the table SDK's
deserialiser and our reader) about two thirds, the SDK's replay the rest. In one process
the GIL lets only one of them run at a time, so however many reads overlap, one core
bounds the check. Here each history is read and judged in one of `concurrency` worker
processes, each with its own connection to the hub: the round trips overlap across them
and the CPU work spreads over the machine's cores.

The workers are forked before the parent opens anything (so none inherits a connection
or a lock held by a thread), and the orchestration, the hub's address and the task reach
them by that fork, never pickled: user code and credentials stay out of the pipes. Only
records and outcomes cross them, and a failure as its kind, message and fix (an exception
pickled whole would lose the fix). What the user's code prints in a worker reaches stderr
through the file descriptor the worker inherits (scripts/cli/streams.py), so where stderr
has none (captured in memory, as an embedding program or an in-process test does), it would
be lost, and `judged` reads in threads and judges in this thread, as it does where a fork
is not the platform's way (macOS, Windows) or the backend's client is not fork-safe (gRPC,
for the scheduler).
"""

from __future__ import annotations

import multiprocessing
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

from scripts.stages.replay.numbering import Orchestration
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import DurableDeployError
from taskhub.history import History, UnreadableHistory
from taskhub.instance_rows import InstanceRecord
from taskhub.instance_source import InstanceSource
from taskhub.sources import HubAddress, open_source

Read = History | UnreadableHistory
T = TypeVar("T")
Task = Callable[[Orchestration, InstanceRecord, Read], T]
"""What is done with each history; it reaches the workers by the fork, so any callable."""


@dataclass(frozen=True)
class _Failed:
    """A DurableDeployError raised in a worker, as it crosses back."""

    kind: type[DurableDeployError]
    message: str
    fix: str

    def raised(self) -> DurableDeployError:
        return self.kind(self.message, fix=self.fix)


@dataclass
class _Job(Generic[T]):
    orchestration: Orchestration
    address: HubAddress
    retry: RetrySettings
    task: Task[T]


_JOB: _Job[object] | None = None
"""The job a forked worker runs; set in the parent just before the fork."""
_SOURCE: ExitStack | None = None
_OPENED: InstanceSource | None = None


def read_history(source: InstanceSource, record: InstanceRecord) -> Read:
    """The record's history, or why it cannot be read (every other failure raises)."""
    try:
        return source.history(record.instance_id, record.execution_id)
    except UnreadableHistory as exc:
        return exc


def _worker_source() -> InstanceSource:
    """The worker's own source, opened on its first history and kept until it exits."""
    global _SOURCE, _OPENED
    assert _JOB is not None
    if _OPENED is None:
        _SOURCE = ExitStack()
        _OPENED = _SOURCE.enter_context(open_source(_JOB.address, _JOB.retry))
    return _OPENED


def _in_worker(record: InstanceRecord) -> object:
    assert _JOB is not None
    try:
        return _JOB.task(_JOB.orchestration, record, read_history(_worker_source(), record))
    except DurableDeployError as exc:
        return _Failed(type(exc), exc.message, exc.fix)


def _ready() -> None:
    """Submitted once at the start, so every worker is forked before any thread starts."""


def forks(address: HubAddress) -> bool:
    """Whether this platform, backend and stderr take the worker processes, and this
    process is still single-threaded: a fork copies only the forking thread, so a lock
    another thread holds at that moment (a logging handler's, an SDK's pool) stays held in
    every worker forever. A caller with threads (a program embedding the stage) gets the
    threaded path instead."""
    return (
        sys.platform == "linux"
        and "fork" in multiprocessing.get_all_start_methods()
        and isinstance(address.connection, StorageConnection)
        and _has_descriptor(sys.stderr)
        and _single_threaded()
    )


def _single_threaded() -> bool:
    return threading.active_count() == 1


def _has_descriptor(stream: object) -> bool:
    try:
        return isinstance(stream.fileno(), int)  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):  # io.UnsupportedOperation is both
        return False


@contextmanager
def workers(
    orchestration: Orchestration,
    address: HubAddress,
    retry: RetrySettings,
    task: Task[T],
    concurrency: int,
) -> Iterator[ProcessPoolExecutor | None]:
    """`concurrency` forked workers running `task` on the hub at `address`; None where
    they cannot be used. Open it before the hub's source, so the fork inherits nothing."""
    global _JOB
    if not forks(address):
        yield None
        return
    _JOB = _Job(orchestration, address, retry, task)
    pool = ProcessPoolExecutor(max(1, concurrency), mp_context=multiprocessing.get_context("fork"))
    try:
        pool.submit(_ready).result()
        yield pool
    finally:
        _JOB = None
        pool.shutdown(wait=True, cancel_futures=True)


def judged(
    pool: ProcessPoolExecutor | None,
    source: InstanceSource,
    records: Iterable[InstanceRecord],
    orchestration: Orchestration,
    task: Task[T],
    concurrency: int,
) -> Iterator[tuple[InstanceRecord, T]]:
    """Each record with what `task` made of its history, in the order they finish: in
    `pool`'s workers where there is one, else read `concurrency` at a time in threads and
    judged in this thread (so user code never runs concurrently with itself)."""
    if pool is not None:
        futures = {pool.submit(_in_worker, record): record for record in records}
        try:
            for future in as_completed(futures):
                outcome = future.result()
                if isinstance(outcome, _Failed):
                    raise outcome.raised()
                yield futures[future], cast(T, outcome)
        finally:
            for future in futures:
                future.cancel()
        return
    threads = ThreadPoolExecutor(max(1, concurrency))
    try:
        reads: dict[Future[Read], InstanceRecord] = {
            threads.submit(read_history, source, record): record for record in records
        }
        for read in as_completed(reads):
            record = reads[read]
            yield record, task(orchestration, record, read.result())
    finally:
        threads.shutdown(wait=True, cancel_futures=True)
