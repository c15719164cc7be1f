"""The replay's worker processes: outcomes and failures cross back as the thread path's."""

from __future__ import annotations

import os
import threading

import pytest

from scripts.stages.replay import workers as replay_workers
from scripts.stages.replay.numbering import Orchestration
from scripts.stages.replay.workers import Read, forks, judged, workers
from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import StoreUnavailableError
from taskhub.instance_rows import InstanceRecord
from taskhub.sources import HubAddress, open_source
from tests.support.helpers import SECRET_ACCOUNT

NOBODY = Orchestration(lambda _context: None)


def where(record: InstanceRecord, read: Read) -> tuple[str, int, int]:
    return (record.instance_id, os.getpid(), len(getattr(read, "events", ())))


def failing(_orchestration: Orchestration, record: InstanceRecord, _read: Read) -> None:
    raise StoreUnavailableError(f"{record.instance_id}: the table went away", fix="run again")


@pytest.fixture
def address(azurite: Azurite, host: DurableHostSimulator) -> HubAddress:
    for n in range(4):
        host.write(SimulatedInstance(f"i{n}", "Flow", status="Running"))
    connection = azurite.connection_string(SECRET_ACCOUNT.name)
    return HubAddress(host.hub, StorageConnection.from_connection_string(connection))


@pytest.fixture
def lone_thread(monkeypatch: pytest.MonkeyPatch) -> None:
    """Idle threads an earlier test in this worker left (an event loop's default executor)
    would send the stage to its threaded path; the mechanics under test are the fork's."""
    monkeypatch.setattr(replay_workers, "_single_threaded", lambda: True)


def test_a_process_with_other_threads_is_never_forked(address: HubAddress) -> None:
    """A fork copies only the forking thread: a lock another thread holds stays held in
    every worker, so a caller with threads gets the threaded path."""
    stop = threading.Event()
    other = threading.Thread(target=stop.wait)
    other.start()
    try:
        assert not forks(address)
    finally:
        stop.set()
        other.join()


@pytest.mark.parametrize("processes", [True, False])
def test_every_record_is_judged_once_in_workers_or_in_this_process(
    address: HubAddress, processes: bool, lone_thread: None
) -> None:
    assert forks(address)  # the platform the suite runs on takes the workers

    def task(
        _orchestration: Orchestration, record: InstanceRecord, read: Read
    ) -> tuple[str, int, int]:
        return where(record, read)

    retry = RetrySettings()
    with workers(NOBODY, address, retry, task, 3) as pool, open_source(address, retry) as source:
        records = list(source.unfinished())
        done = list(judged(pool if processes else None, source, records, NOBODY, task, 3))
    assert sorted(r.instance_id for r, _ in done) == ["i0", "i1", "i2", "i3"]
    assert all(outcome[0] == r.instance_id for r, outcome in done)
    pids = {outcome[1] for _, outcome in done}
    assert (os.getpid() not in pids) == processes


def test_a_failure_in_a_worker_is_raised_here_with_its_fix(
    address: HubAddress, lone_thread: None
) -> None:
    retry = RetrySettings()
    with (
        workers(NOBODY, address, retry, failing, 2) as pool,
        open_source(address, retry) as source,
        pytest.raises(StoreUnavailableError, match="the table went away") as raised,
    ):
        list(judged(pool, source, source.unfinished(), NOBODY, failing, 2))
    assert raised.value.fix == "run again"
