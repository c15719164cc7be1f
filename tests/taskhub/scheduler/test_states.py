"""OrchestrationState -> InstanceRecord: statuses, entities, versions."""

from __future__ import annotations

from durabletask.internal import orchestrator_service_pb2 as pb

from taskhub.instance_rows import VersionSource
from taskhub.scheduler.states import NO_STARTED_EVENT, status_name, to_record, with_started_version
from taskhub.status import TERMINAL_STATUSES, RuntimeStatus, is_finished
from tests.support.core_statuses import core_statuses


def test_the_proto_statuses_are_cores_names() -> None:
    statuses = core_statuses()
    assert {number: status_name(number) for number in statuses} == statuses
    assert {n for n in statuses.values() if is_finished(n)} == set(TERMINAL_STATUSES)


def test_a_status_this_code_does_not_know_is_unfinished() -> None:
    record = to_record(pb.OrchestrationState(instanceId="i", orchestrationStatus=42), "hub")  # type: ignore[arg-type]
    assert record.runtime_status == "OrchestrationStatus 42"
    assert not is_finished(record.runtime_status)


def test_continued_as_new_is_unfinished() -> None:
    state = pb.OrchestrationState(
        instanceId="i", orchestrationStatus=pb.ORCHESTRATION_STATUS_CONTINUED_AS_NEW
    )
    assert to_record(state, "hub").runtime_status == RuntimeStatus.CONTINUED_AS_NEW
    assert not is_finished(to_record(state, "hub").runtime_status)


def test_entities_are_marked() -> None:
    assert to_record(pb.OrchestrationState(instanceId="@counter@k"), "hub").is_entity


def test_an_empty_version_in_the_listing_is_unversioned_not_missing() -> None:
    state = pb.OrchestrationState(instanceId="i")
    state.version.value = ""
    record = to_record(state, "hub")
    assert (record.version, record.version_source) == ("", VersionSource.LISTING)
    assert (
        to_record(pb.OrchestrationState(instanceId="i"), "hub").version_source
        is VersionSource.HISTORY
    )


def test_no_started_event_leaves_the_version_unreadable() -> None:
    record = with_started_version(
        to_record(pb.OrchestrationState(instanceId="i"), "h"), None, NO_STARTED_EVENT
    )
    assert record.unreadable_column("Version") and not record.readable
