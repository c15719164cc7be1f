"""May a version's code path go? (taskhub/retirement.py), by hand.

Only when no unfinished instance of the version would replay through it (an unfinished
status is anything but DurableTask.Core's four terminal ones: docs/domain.md, "Instances
table") and its newest instance is older than the retention. A row whose Version cannot be
read may be that version; a version never recorded is said so, not passed silently.
"""

from __future__ import annotations

from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from taskhub.instance_rows import InstanceRecord
from taskhub.retirement import closest_first, decide, listed
from tests.support.instances import CREATED, instance

RETENTION = timedelta(days=30)
LONG_AFTER = CREATED + timedelta(days=31)


def test_a_finished_version_past_the_retention_may_go() -> None:
    records = [
        instance("a", "Completed", "1.0"),
        instance("b", "Failed", "1.0"),
        instance("c", "Running", "2.0"),  # another version's work does not hold 1.0
    ]
    decision = decide("1.0", records, RETENTION, LONG_AFTER)
    assert decision.safe and decision.recorded and decision.reasons == ()
    assert (decision.total, decision.unfinished, decision.newest_created) == (2, 0, CREATED)


def test_each_unfinished_status_keeps_the_path_and_names_the_oldest() -> None:
    for status in ["Running", "Pending", "Suspended", "ContinuedAsNew", "Paused"]:
        records = [
            instance("done", "Completed", "1.0"),
            instance("first", status, "1.0"),
            instance("second", "Running", "1.0"),
        ]
        decision = decide("1.0", records, RETENTION, LONG_AFTER)
        assert not decision.safe and decision.unfinished == 2, status
        (reason,) = decision.reasons
        assert "2 unfinished instance(s) of version '1.0'" in reason
        assert "(oldest: first)" in reason


def test_an_instance_created_within_the_retention_keeps_the_path() -> None:
    newest = CREATED + timedelta(days=1)
    records = [instance("a", "Completed", "1.0"), instance("b", "Completed", "1.0", created=newest)]
    within = decide("1.0", records, RETENTION, newest + RETENTION - timedelta(seconds=1))
    assert not within.safe and within.newest_created == newest
    assert "within the 30-day retention" in within.reasons[0]
    # Exactly one retention later the newest instance is no longer "within" it.
    assert decide("1.0", records, RETENTION, newest + RETENTION).safe


def test_a_row_whose_version_cannot_be_read_keeps_every_path() -> None:
    records = [instance("a", "Completed", "1.0"), instance("x", "Completed", True)]
    for version in ("1.0", "3.0"):
        decision = decide(version, records, RETENTION, LONG_AFTER)
        assert not decision.safe and decision.recorded and decision.unreadable == 1, version
        assert "(first: x: Version:" in decision.reasons[0]


def test_an_unreadable_row_of_the_version_keeps_it() -> None:
    records = [instance("a", "Completed", "1.0", name=b"\x01")]  # its Name cannot be read
    decision = decide("1.0", records, RETENTION, LONG_AFTER)
    assert not decision.safe and decision.unreadable == 1


def test_a_version_never_recorded_says_so_and_lists_the_closest() -> None:
    records = [
        instance("a", "Completed", "2.0"),
        instance("b", "Completed", "1.1"),
        instance("c", "Completed", "1.0"),
        instance("d", "Completed"),
    ]
    decision = decide("1.O", records, RETENTION, LONG_AFTER)
    assert decision.safe and not decision.recorded
    assert decision.reasons == ("no instance of version '1.O' was ever recorded in this hub",)
    # Likeness to "1.o": "1.0" and "1.1" share "1." (ratio 4/6), "2.0" shares "." (2/6),
    # "" nothing; ties in string order.
    assert decision.known_versions == ("1.0", "1.1", "2.0", "")


def test_versions_are_matched_exactly() -> None:
    """The code path is what the orchestrator branches on: `context.version`, a string."""
    records = [instance("a", "Running", "1.0.0"), instance("b", "Running", "V1.0")]
    assert not decide("1.0", records, RETENTION, LONG_AFTER).recorded
    assert not decide("v1.0", records, RETENTION, LONG_AFTER).recorded


def test_a_message_lists_versions_with_the_unversioned_named() -> None:
    assert listed(["1.0", "", "2.0"]) == "'1.0', '' (unversioned), '2.0'"
    assert listed([]) == "none"
    assert listed([str(n) for n in range(12)], most=2) == "'0', '1'"
    assert closest_first("b", ["a", "b", "a"]) == ("b", "a")


STATUS = st.sampled_from(["Completed", "Failed", "Canceled", "Terminated", "Running", "Paused"])
RECORDS = st.lists(
    st.builds(
        lambda n, status, version, days: instance(
            f"i{n}", status, version, created=CREATED + timedelta(days=days)
        ),
        st.integers(0, 99),
        STATUS,
        st.one_of(st.none(), st.sampled_from(["1.0", "2.0", "1.0.0"]), st.just(True)),
        st.integers(0, 60),
    ),
    max_size=10,
)
TERMINAL = {"Completed", "Failed", "Canceled", "Terminated"}


@given(RECORDS, st.sampled_from(["1.0", "2.0", "3.0"]), st.integers(0, 120))
def test_safe_only_when_nothing_of_the_version_is_unfinished_or_recent(
    records: list[InstanceRecord], version: str, days_later: int
) -> None:
    now = CREATED + timedelta(days=days_later)
    decision = decide(version, records, RETENTION, now)
    mine = [r for r in records if r.version == version]
    if decision.safe and decision.recorded:
        assert all(r.runtime_status in TERMINAL for r in mine)
        assert all(now - r.created_time >= RETENTION for r in mine if r.created_time)
        assert all(r.readable for r in records if r.version in (version, ""))
    if any(r.runtime_status not in TERMINAL for r in mine):
        assert not decision.safe


@given(RECORDS, st.sampled_from(["1.0", "2.0"]))
def test_records_of_other_readable_versions_change_nothing(
    records: list[InstanceRecord], version: str
) -> None:
    others = [instance("o", "Running", "9.9"), instance("p", "Pending", "0.1")]
    alone = decide(version, records, RETENTION, LONG_AFTER)
    beside = decide(version, records + others, RETENTION, LONG_AFTER)
    assert (alone.safe, alone.reasons, alone.total) == (beside.safe, beside.reasons, beside.total)
