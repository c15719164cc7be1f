"""The drain rule (taskhub/drain.py), by hand from DurableTask's rules (docs/domain.md).

A drain of version V waits for every instance whose version CompareVersions puts at or
below V: unversioned ones are older than any version, "1.0" is older than "1.0.0", and
"10" is older than "9" (single components never parse, so they compare as strings).
"""

from __future__ import annotations

from dataclasses import replace

from hypothesis import given
from hypothesis import strategies as st

from taskhub.drain import snapshot, version_or_older
from taskhub.instance_rows import InstanceRecord
from tests.support.instances import instance


def ids(records: tuple[InstanceRecord, ...]) -> list[str]:
    return [r.instance_id for r in records]


def test_ignored_names_match_case_insensitively_and_are_still_reported() -> None:
    records = [
        instance("m1", "ContinuedAsNew", name="MonitorLoop"),
        instance("m2", "Running", name="monitorloop"),
        instance("o1", "Running", "1.0"),
    ]
    result = snapshot(records, ["MONITORLOOP"])
    assert ids(result.blocking) == ["o1"]
    assert ids(result.ignored) == ["m1", "m2"]
    assert result.ignored_by_name == {"MonitorLoop": 1, "monitorloop": 1}
    assert not result.drained


def test_an_unreadable_row_is_never_ignored_even_when_its_name_matches() -> None:
    unreadable = instance("u1", None, name="MonitorLoop")  # no RuntimeStatus column
    result = snapshot([unreadable], ["MonitorLoop"])
    assert ids(result.blocking) == ["u1"] and result.ignored == ()
    assert ids(result.unreadable) == ["u1"]
    assert not result.drained


def test_counts_are_by_status_and_version_sorted_with_unversioned_as_empty() -> None:
    result = snapshot(
        [
            instance("a", "Running", "2.0"),
            instance("b", "Pending"),
            instance("c", "Suspended", "1.0"),
            instance("d", "Running", "1.0"),
        ]
    )
    assert result.by_status == {"Pending": 1, "Running": 2, "Suspended": 1}
    assert result.by_version == {"": 1, "1.0": 2, "2.0": 1}
    assert list(result.by_version) == ["", "1.0", "2.0"]


def test_an_instance_whose_version_cannot_be_read_is_in_no_version_count() -> None:
    """Not under "unversioned", which is a version of its own: only `unreadable` counts it."""
    unknown = replace(instance("p", "Pending"), unreadable=("Version: no event recorded yet",))
    result = snapshot([unknown, instance("b", "Running"), instance("c", "Running", "1.0")])
    assert result.by_version == {"": 1, "1.0": 1}
    assert ids(result.unreadable) == ["p"] and len(result.blocking) == 3


def test_nothing_unfinished_is_drained() -> None:
    result = snapshot([])
    assert result.drained and result.by_status == {} and result.unreadable == ()


def test_a_drain_holds_for_its_version_every_older_one_and_the_unversioned() -> None:
    records = [
        instance("unversioned", "Running"),
        instance("v1.0", "Running", "1.0"),
        instance("v1.0.0", "Running", "1.0.0"),  # 1.0 < 1.0.0: newer than 1.0
        instance("v1.9", "Running", "1.9"),
        instance("v1.10", "Running", "1.10"),  # numeric: 1.10 > 1.9
        instance("spaced", "Running", " 1 . 2 "),  # parses as 1.2
    ]
    assert ids(version_or_older(records, "1.0")) == ["unversioned", "v1.0"]
    assert ids(version_or_older(records, "1.2")) == [
        "unversioned",
        "v1.0",
        "v1.0.0",
        "spaced",
    ]
    assert ids(version_or_older(records, "1.9")) == [
        "unversioned",
        "v1.0",
        "v1.0.0",
        "v1.9",
        "spaced",
    ]


def test_labels_that_are_no_dotnet_version_compare_as_case_insensitive_strings() -> None:
    records = [
        instance("ten", "Running", "10"),
        instance("nine", "Running", "9"),
        instance("upper", "Running", "V2"),
        instance("lower", "Running", "v2"),
    ]
    assert ids(version_or_older(records, "9")) == ["ten", "nine"]  # "10" < "9"
    assert ids(version_or_older(records, "v2")) == ["ten", "nine", "upper", "lower"]
    assert ids(version_or_older(records, "10")) == ["ten"]


def test_a_number_stored_as_version_is_read_as_its_text() -> None:
    assert ids(version_or_older([instance("n", "Running", 3)], "9")) == ["n"]  # "3" < "9"


STATUS = st.sampled_from(["Running", "Pending", "Suspended", "ContinuedAsNew", "Paused", None])
VERSION = st.one_of(st.none(), st.sampled_from(["1.0", "1.0.0", "2.0", "10", "9", "v1", ""]))
NAME = st.sampled_from(["Flow", "flow", "MonitorLoop", "Other"])
RECORDS = st.lists(
    st.builds(
        lambda n, status, version, name: instance(f"i{n}", status, version, name=name),
        st.integers(0, 999),
        STATUS,
        VERSION,
        NAME,
    ),
    max_size=12,
)


@given(RECORDS, st.lists(NAME, max_size=3))
def test_a_snapshot_splits_the_records_without_losing_any(
    records: list[InstanceRecord], ignore: list[str]
) -> None:
    result = snapshot(records, ignore)
    assert sorted(ids(result.blocking) + ids(result.ignored)) == sorted(ids(tuple(records)))
    assert sum(result.by_status.values()) == len(result.blocking)
    assert all(r.readable for r in result.ignored)
    lowered = {n.lower() for n in ignore}
    assert all((r.name or "").lower() not in lowered or not r.readable for r in result.blocking)


@given(RECORDS, st.sampled_from(["1.0", "1.0.0", "2.0", "10", "9", "v1"]))
def test_every_unversioned_instance_holds_a_drain_of_any_version(
    records: list[InstanceRecord], version: str
) -> None:
    held = version_or_older(records, version)
    assert {r.instance_id for r in records if not r.version} <= set(ids(held))


@given(RECORDS)
def test_draining_a_newer_version_holds_at_least_what_an_older_one_holds(
    records: list[InstanceRecord],
) -> None:
    older, newer = set(ids(version_or_older(records, "1.0"))), ids(version_or_older(records, "2.0"))
    assert older <= set(newer)
