"""The scheduler instance source against Microsoft's in-memory backend, with a real worker.

Every state read here was written by durabletask's own worker and backend
(standins/scheduler); the expected answers are what the scenarios did to the hub, never
what the code under test returned.
"""

from __future__ import annotations

import socket
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from standins.scheduler import programs
from standins.scheduler.scenarios import Scenario, busy_hub, drained_hub
from standins.scheduler.server import Paging, SchedulerStandIn
from standins.scheduler.worker import hub_client, running_worker
from taskhub.errors import HubNotFoundError, StoreUnavailableError
from taskhub.instance_rows import InstanceRecord, VersionSource
from taskhub.rollout import summarize
from taskhub.scheduler.grpc_errors import Retry
from taskhub.scheduler.source import SchedulerInstanceSource, open_scheduler_source
from tests.taskhub.scheduler.conftest import StartStandIn

FAST = Retry(retries=2, backoff=0.01, timeout=5.0)
HUB = "orders"


def plain(address: str, hub: str | None = None) -> str:
    return f"Endpoint=http://{address};Authentication=None" + (f";TaskHub={hub}" if hub else "")


def source(address: str, hub: str | None = HUB, **options: object) -> SchedulerInstanceSource:
    return open_scheduler_source(plain(address), hub, retry=FAST, **options)  # type: ignore[arg-type]


def busy_read(
    start_standin: StartStandIn,
    read: Callable[[SchedulerInstanceSource], list[InstanceRecord]],
    **options: object,
) -> tuple[SchedulerStandIn, Scenario, list[InstanceRecord], Counter[str]]:
    """A busy hub on a stand-in with `options`, read by the source with `read` once the
    worker is done, and the calls that read made, by RPC."""
    stand_in, address = start_standin(**options)
    with running_worker(address.plain, HUB):
        scenario = busy_hub(hub_client(address.plain, HUB))
    before = len(stand_in.calls)
    with source(address.plain) as hub:
        records = read(hub)
    return stand_in, scenario, records, Counter(c.rpc for c in stand_in.calls[before:])


def busy_by_id(
    start_standin: StartStandIn, *, fill_versions: bool
) -> tuple[Scenario, dict[str, InstanceRecord], Counter[str]]:
    """Every instance of a busy hub, by id, on a stand-in whose listings fill in versions or
    leave them out, and the calls that read made, by RPC."""
    _, scenario, records, calls = busy_read(
        start_standin, SchedulerInstanceSource.instances, page_cap=4, fill_versions=fill_versions
    )
    by_id = {r.instance_id: r for r in records}
    assert len(by_id) == len(records), "an instance listed twice"
    return scenario, by_id, calls


def test_a_busy_hub_lists_every_unfinished_instance_across_pages(
    start_standin: StartStandIn,
) -> None:
    stand_in, scenario, records, calls = busy_read(
        start_standin, SchedulerInstanceSource.unfinished, page_cap=3
    )
    assert {r.instance_id: r.runtime_status for r in records} == scenario.unfinished
    assert {"Running", "Pending", "Suspended"} <= set(scenario.unfinished.values())
    assert calls["QueryInstances"] >= 5  # 15 instances, 3 a page
    assert all(c.hub == HUB for c in stand_in.calls_of("QueryInstances"))
    created = [r.created_time for r in records if r.created_time is not None]
    assert len(created) == len(records) and created == sorted(created)  # oldest first


def test_per_version_counts_are_right_when_listings_leave_versions_out(
    start_standin: StartStandIn,
) -> None:
    scenario, by_id, calls = busy_by_id(start_standin, fill_versions=False)
    started = {i: v for i, v in scenario.versions.items() if not i.startswith("pending")}
    assert {i: by_id[i].version for i in started} == started
    assert {by_id[i].version_source for i in started} == {VersionSource.HISTORY}
    # A Pending instance has recorded no ExecutionStarted, and its own state leaves the
    # version out too: its version is unknown, not "".
    for pending in ("pending-1", "pending-2"):
        assert not by_id[pending].readable
        assert by_id[pending].unreadable_column("Version")
    assert calls["GetInstance"] == 2  # the two Pending ones
    readable = (r for r in by_id.values() if r.readable)
    counts = {v: s.total for v, s in summarize(readable)[HUB].items()}
    assert counts == dict(Counter(started.values()))
    assert calls["StreamInstanceHistory"]  # the versions came from history


def test_versions_come_from_the_listing_when_the_server_fills_them(
    start_standin: StartStandIn,
) -> None:
    scenario, by_id, calls = busy_by_id(start_standin, fill_versions=True)
    versioned = {i: v for i, v in scenario.versions.items() if v}
    assert {i: by_id[i].version for i in versioned} == versioned
    assert {by_id[i].version_source for i in versioned} == {VersionSource.LISTING}
    assert by_id["pending-1"].readable  # the listing named its version
    # Only the unversioned instances (the listing cannot tell "none" from "left out").
    assert calls["StreamInstanceHistory"] == len(scenario.versions) - len(versioned)


def test_a_pending_instance_takes_its_version_from_its_own_state(
    start_standin: StartStandIn,
) -> None:
    """Listings leave versions out, GetInstance fills them: a Pending instance (no history
    yet) is judged by its own state, and says so; started ones still by their history."""
    stand_in, address = start_standin(fill_instance_versions=True)
    with running_worker(address.plain, HUB):
        scenario = busy_hub(hub_client(address.plain, HUB))
        asked_before = len(stand_in.calls_of("GetInstance"))
        with source(address.plain) as hub:
            records = {r.instance_id: r for r in hub.unfinished()}
    pending = {i for i, s in scenario.unfinished.items() if s == "Pending"}
    assert pending and all(records[i].readable for i in pending)
    assert {i: records[i].version for i in pending} == {i: scenario.versions[i] for i in pending}
    assert {records[i].version_source for i in pending} == {VersionSource.INSTANCE}
    started = set(scenario.unfinished) - pending
    assert {records[i].version_source for i in started} == {VersionSource.HISTORY}
    assert len(stand_in.calls_of("GetInstance")) - asked_before == len(pending)


def test_a_drained_hub_has_nothing_unfinished_but_has_instances(
    start_standin: StartStandIn,
) -> None:
    _, address = start_standin(page_cap=2)
    with running_worker(address.plain, HUB):
        scenario = drained_hub(hub_client(address.plain, HUB))
    with source(address.plain) as hub:
        assert hub.unfinished() == []
        assert hub.has_any_instance()
        assert {r.instance_id for r in hub.instances()} == set(scenario.finished)


def test_an_empty_hub_has_no_instance(start_standin: StartStandIn) -> None:
    _, address = start_standin()
    with source(address.plain) as hub:
        assert hub.unfinished() == []
        assert not hub.has_any_instance()


def test_completed_since_keeps_only_recent_completions(start_standin: StartStandIn) -> None:
    _, address = start_standin(page_cap=2)
    with running_worker(address.plain, HUB):
        scenario = busy_hub(hub_client(address.plain, HUB))
    with source(address.plain) as hub:
        recent = hub.completed_since(datetime.now(UTC) - timedelta(hours=1))
        future = hub.completed_since(datetime.now(UTC) + timedelta(hours=1))
    completed = {i for i, s in scenario.finished.items() if s == "Completed"}
    assert {r.instance_id for r in recent} == completed
    assert all(r.completed_time is not None for r in recent)
    assert future == []


def test_an_unknown_hub_is_hub_not_found_never_empty(start_standin: StartStandIn) -> None:
    _, address = start_standin(hubs=("orders",))
    with source(address.plain, hub="ordres") as hub, pytest.raises(HubNotFoundError) as caught:
        hub.unfinished()
    assert "ordres" in caught.value.message
    assert "--allow-missing-hub" not in caught.value.fix  # offered by the commands taking it


def test_the_hub_argument_wins_over_taskhub_in_the_string(start_standin: StartStandIn) -> None:
    stand_in, address = start_standin(hubs=("orders", "billing"))
    string = plain(address.plain, hub="billing")
    with open_scheduler_source(string, "orders", retry=FAST) as hub:
        hub.has_any_instance()
    with open_scheduler_source(string, None, retry=FAST) as hub:
        hub.has_any_instance()
    assert [c.hub for c in stand_in.calls_of("QueryInstances")] == ["orders", "billing"]


def test_an_unreachable_scheduler_is_unavailable_after_retries() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with source(f"127.0.0.1:{port}") as hub, pytest.raises(StoreUnavailableError) as caught:
        hub.unfinished()
    assert "UNAVAILABLE" in caught.value.message
    assert "2 retries" in caught.value.message


def test_unavailable_answers_are_retried_then_given_up(start_standin: StartStandIn) -> None:
    stand_in, address = start_standin()
    stand_in.faults.unavailable["QueryInstances"] = 2
    with source(address.plain) as hub:
        assert hub.unfinished() == []  # two failures, then the third attempt answers
    stand_in.faults.unavailable["QueryInstances"] = 3
    before = len(stand_in.calls_of("QueryInstances"))
    with source(address.plain) as hub, pytest.raises(StoreUnavailableError):
        hub.unfinished()
    assert len(stand_in.calls_of("QueryInstances")) - before == 3  # 1 try + 2 retries
    assert isinstance(stand_in.faults.unavailable, Counter)


def test_a_stalled_call_times_out_and_is_retried(start_standin: StartStandIn) -> None:
    stand_in, address = start_standin()
    stand_in.faults.stalls["QueryInstances"] = 1
    stand_in.faults.stall_seconds = 1.5
    retry = Retry(retries=1, backoff=0.01, timeout=0.5)
    with open_scheduler_source(plain(address.plain, HUB), retry=retry) as hub:
        assert hub.unfinished() == []
    assert len(stand_in.calls_of("QueryInstances")) == 2


def test_an_empty_page_that_carries_a_token_is_followed(start_standin: StartStandIn) -> None:
    stand_in, scenario, records, calls = busy_read(
        start_standin,
        SchedulerInstanceSource.unfinished,
        page_cap=3,
        paging=Paging.EMPTY_PAGE_FIRST,
    )
    assert {r.instance_id: r.runtime_status for r in records} == scenario.unfinished
    assert (
        calls["QueryInstances"] == 2 * 5
    )  # each of the 5 pages of 3 behind an empty page with a token
    assert stand_in.address is not None
    with source(stand_in.address.plain) as hub:
        assert hub.has_any_instance()  # its first page is empty, yet the hub is not


def test_a_token_that_does_not_advance_is_an_error(start_standin: StartStandIn) -> None:
    _, address = start_standin(page_cap=2, paging=Paging.STUCK_TOKEN)
    with running_worker(address.plain, HUB):
        drained_hub(hub_client(address.plain, HUB), count=5)
    with source(address.plain) as hub, pytest.raises(StoreUnavailableError) as caught:
        hub.instances()
    assert "does not advance" in caught.value.message


def test_the_listing_never_asks_for_inputs_or_outputs(start_standin: StartStandIn) -> None:
    stand_in, address = start_standin()
    seen: list[bool] = []
    original = stand_in._query

    def spy(backend, request, context):  # type: ignore[no-untyped-def]
        seen.append(request.query.fetchInputsAndOutputs)
        return original(backend, request, context)

    stand_in._query = spy  # type: ignore[method-assign]
    with source(address.plain) as hub:
        hub.unfinished()
        hub.instances()
        hub.completed_since(datetime.now(UTC))
        hub.has_any_instance()
    assert seen == [False, False, False, False]


def test_entity_ids_are_skipped_unless_asked_for(start_standin: StartStandIn) -> None:
    """An instance whose id starts with '@' is an entity's (docs/domain.md); the backend takes
    one through StartInstance as any other id, and it stays Pending (no worker runs)."""
    _, address = start_standin()
    client = hub_client(address.plain, HUB)
    for instance in ("@counter@k", "plain-1"):
        client.schedule_new_orchestration(programs.UNREGISTERED, input={}, instance_id=instance)
    with source(address.plain) as hub:
        assert [r.instance_id for r in hub.unfinished()] == ["plain-1"]
        everything = hub.unfinished(include_entities=True)
    assert {r.instance_id: r.is_entity for r in everything} == {
        "@counter@k": True,
        "plain-1": False,
    }
    assert all(r.readable for r in everything if r.is_entity)  # no version needed for those
