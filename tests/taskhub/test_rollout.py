"""What a new worker version does to the instances in flight (taskhub/rollout.py), by hand
from the runtime's rule (docs/domain.md, "Orchestration versioning semantics"):

None -> the worker runs every instance; Strict -> only V == W exactly (case-sensitive,
null != ""); CurrentOrOlder -> CompareVersions(V, W) <= 0, and a worker with no
defaultVersion rejects every versioned instance. What a worker may not run is left for
another worker (Reject) or ended as Failed (Fail).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hypothesis import given
from hypothesis import strategies as st

from taskhub.instance_rows import InstanceRecord
from taskhub.rollout import plan_rollout, summarize
from taskhub.versions import FailureStrategy, MatchStrategy
from tests.support.instances import CREATED, instance

FLIGHT = [
    instance("unversioned", "Running"),
    instance("old", "Running", "1.0"),
    instance("same", "Suspended", "2.0"),
    instance("longer", "Pending", "2.0.0"),  # 2.0 < 2.0.0
    instance("newer", "Running", "2.1"),
    instance("label", "Running", "10"),  # not a .NET version: "10" < "2.0" as strings
]


def ids(records: tuple[InstanceRecord, ...]) -> list[str]:
    return [r.instance_id for r in records]


def test_current_or_older_runs_what_compares_at_or_below_the_worker() -> None:
    rollout = plan_rollout(FLIGHT, "2.0", MatchStrategy.CURRENT_OR_OLDER)
    assert ids(rollout.process) == ["unversioned", "old", "same", "label"]
    assert ids(rollout.reject) == ["longer", "newer"] and rollout.fail == ()
    assert not rollout.safe


def test_a_worker_without_a_default_version_rejects_every_versioned_instance() -> None:
    rollout = plan_rollout(FLIGHT, None, MatchStrategy.CURRENT_OR_OLDER)
    assert ids(rollout.process) == ["unversioned"]
    assert ids(rollout.reject) == ["old", "same", "longer", "newer", "label"]


def test_strict_runs_only_the_exact_version_and_unversioned_only_without_one() -> None:
    rollout = plan_rollout(FLIGHT, "2.0", MatchStrategy.STRICT)
    assert ids(rollout.process) == ["same"]
    cased = plan_rollout([instance("v", "Running", "V2.0")], "v2.0", MatchStrategy.STRICT)
    assert ids(cased.reject) == ["v"]
    # An empty Version column and none at all are both "unversioned" (docs/domain.md).
    empty = [instance("none", "Running"), instance("empty", "Running", "")]
    assert ids(plan_rollout(empty, None, MatchStrategy.STRICT).process) == ["none", "empty"]
    assert ids(plan_rollout(empty, "", MatchStrategy.STRICT).reject) == ["none", "empty"]


def test_no_match_strategy_runs_everything() -> None:
    rollout = plan_rollout(FLIGHT, "1.0", MatchStrategy.NONE)
    assert ids(rollout.process) == ids(tuple(FLIGHT)) and rollout.safe


def test_the_fail_strategy_fails_what_reject_would_leave() -> None:
    rollout = plan_rollout(FLIGHT, "2.0", MatchStrategy.CURRENT_OR_OLDER, FailureStrategy.FAIL)
    assert ids(rollout.fail) == ["longer", "newer"] and rollout.reject == ()
    assert not rollout.safe


def test_a_row_whose_version_or_status_cannot_be_read_is_never_judged() -> None:
    rows = [
        instance("bad-version", "Running", True),  # a Boolean Version
        instance("bad-status", 7, "1.0"),  # an Int32 RuntimeStatus
        instance("bad-name", "Running", "1.0", name=b"\x00"),  # judged: the name is not used
    ]
    rollout = plan_rollout(rows, "2.0", MatchStrategy.NONE)
    assert ids(rollout.unreadable) == ["bad-version", "bad-status"]
    assert ids(rollout.process) == ["bad-name"]
    assert not rollout.safe


def test_a_summary_counts_per_hub_and_version_with_the_oldest_unfinished() -> None:
    later = CREATED + timedelta(hours=1)
    records = [
        instance("a", "Completed", "1.0"),
        instance("b", "Running", "1.0", created=later),
        instance("c", "Paused", "1.0", created=later),  # unknown status: not finished
        instance("d", "Running", "1.0", hub="billing"),
        instance("e", "Failed"),
    ]
    hubs = summarize(records)
    assert set(hubs) == {"orders", "billing"}
    orders = hubs["orders"]
    assert set(orders) == {"1.0", ""}
    v1 = orders["1.0"]
    assert (v1.total, v1.unfinished) == (3, 2)
    assert dict(v1.by_status) == {"Completed": 1, "Running": 1, "Paused": 1}
    assert v1.oldest_unfinished is not None and v1.oldest_unfinished.instance_id == "b"
    assert v1.newest_created == later
    assert (orders[""].total, orders[""].unfinished, orders[""].oldest_unfinished) == (1, 0, None)
    assert hubs["billing"]["1.0"].unfinished == 1


def test_an_instance_whose_version_cannot_be_read_is_in_no_versions_summary() -> None:
    unknown = replace(instance("p", "Pending"), unreadable=("Version: not recorded yet",))
    hubs = summarize([instance("a", "Running", "1.0"), unknown])
    assert {v: s.total for v, s in hubs["orders"].items()} == {"1.0": 1}


VERSIONS = st.one_of(st.none(), st.sampled_from(["1.0", "1.0.0", "2.0", "2.1", "10", "v2", ""]))
FLIGHTS = st.lists(
    st.builds(
        lambda n, status, version: instance(f"i{n}", status, version),
        st.integers(0, 99),
        st.sampled_from(["Running", "Pending", "Suspended", 7]),
        st.one_of(VERSIONS, st.just(True)),
    ),
    max_size=10,
)


@given(FLIGHTS, VERSIONS, st.sampled_from(MatchStrategy), st.sampled_from(FailureStrategy))
def test_every_instance_lands_in_exactly_one_answer(
    flight: list[InstanceRecord],
    worker: str | None,
    match: MatchStrategy,
    failure: FailureStrategy,
) -> None:
    rollout = plan_rollout(flight, worker, match, failure)
    answered = rollout.process + rollout.reject + rollout.fail + rollout.unreadable
    assert sorted(ids(answered)) == sorted(ids(tuple(flight)))
    assert rollout.safe == (len(rollout.process) == len(flight))


@given(FLIGHTS, VERSIONS, st.sampled_from(MatchStrategy))
def test_the_failure_strategy_changes_what_happens_not_to_whom(
    flight: list[InstanceRecord], worker: str | None, match: MatchStrategy
) -> None:
    rejecting = plan_rollout(flight, worker, match, FailureStrategy.REJECT)
    failing = plan_rollout(flight, worker, match, FailureStrategy.FAIL)
    assert rejecting.reject == failing.fail and rejecting.fail == failing.reject == ()
    assert rejecting.process == failing.process
