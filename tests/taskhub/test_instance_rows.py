"""The Instances row reader is total, and the gate never passes what it cannot judge.

Hypothesis writes rows with arbitrary column types (every Edm type the Table service
stores, or no column at all) and statuses into a real Azurite, then reads them the way
the gate, `versions`, `retire` and `release` do. Oracle, independent of the reader: a row
is finished only when its RuntimeStatus is one of the four terminal strings of
DurableTask.Core (`OrchestrationStatus`: Completed, Failed, Canceled, Terminated).
"""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import EdmType, EntityProperty, TableServiceClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scripts.cli.output import instance_json
from scripts.stages.exits import Exit
from scripts.stages.gate import DrainGate, GateSettings
from scripts.stages.text import instance_line
from standins.azurite import Azurite
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.drain import snapshot
from taskhub.hubs import TaskHub, escape_instance_id
from taskhub.instance_rows import read_row
from taskhub.retirement import decide
from taskhub.rollout import plan_rollout, summarize
from taskhub.sources import HubAddress, open_source
from taskhub.status import TERMINAL_STATUSES, RuntimeStatus, is_finished
from taskhub.versions import MatchStrategy
from tests.support.helpers import SECRET_ACCOUNT

_tables = itertools.count(1)
_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=10)
# Every Edm type: String, Int32, Int64, Double, Boolean, DateTime, Guid, Binary.
ANY_VALUE = st.one_of(
    _text,
    st.integers(-(2**31), 2**31 - 1),
    st.integers(-(2**63), 2**63 - 1).map(lambda v: EntityProperty(v, EdmType.INT64)),
    st.floats(allow_nan=False, allow_infinity=False, width=64),
    st.booleans(),
    st.datetimes(min_value=datetime(1700, 1, 1), timezones=st.just(UTC)),
    st.uuids(),
    st.binary(max_size=6),
)
STATUS = st.one_of(st.sampled_from([*RuntimeStatus, "completed", "Paused", ""]), ANY_VALUE)
VERSION = st.one_of(st.sampled_from(["1.0", "1", "2.0", ""]), st.integers(0, 3), ANY_VALUE)
TIME = st.one_of(
    st.datetimes(min_value=datetime(2000, 1, 1), timezones=st.just(UTC)),
    st.sampled_from(["2026-01-01T00:00:00Z", "yesterday", ""]),
    ANY_VALUE,
)


def column(values: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    """A column's value, or None: the column is not written at all."""
    return st.one_of(st.none(), values)


@st.composite
def rows(draw: st.DrawFn, hub: str) -> list[dict[str, Any]]:
    ids = draw(st.lists(st.sampled_from(["a", "b/1", "c?", "@ent@k", "Z", "x#y"]), unique=True))
    names = st.sampled_from([hub, hub.lower(), f" {hub} ", "OtherHub", ""])
    made = []
    for instance_id in ids:
        row: dict[str, Any] = {"PartitionKey": escape_instance_id(instance_id), "RowKey": ""}
        for name, values in (
            ("RuntimeStatus", STATUS),
            ("Name", st.one_of(st.just("Flow"), ANY_VALUE)),
            ("Version", VERSION),
            ("CreatedTime", TIME),
            ("LastUpdatedTime", TIME),
            ("TaskHubName", st.one_of(names, ANY_VALUE)),
        ):
            value = draw(column(values))
            if value is not None:
                row[name] = value
        made.append(row)
    return made


def must_hold(row: dict[str, Any], hub: TaskHub) -> bool:
    """Whether the row keeps the gate closed, by the oracle above."""
    if row["PartitionKey"].startswith("@"):
        return False  # entities are skipped unless --include-entities
    owner = row.get("TaskHubName")
    named = owner.strip() if isinstance(owner, str) else ""
    if hub.shares_tracking_store and named and named.lower() != hub.name.lower():
        return False  # another hub's row
    status = row.get("RuntimeStatus")
    return not (isinstance(status, str) and status in TERMINAL_STATUSES)


@pytest.mark.slow
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data(), shared=st.booleans())
def test_the_gate_passes_exactly_when_every_row_says_it_finished(
    service: TableServiceClient, azurite: Azurite, data: st.DataObject, shared: bool
) -> None:
    test_account = azurite.connection_string(SECRET_ACCOUNT.name)
    n = next(_tables)
    hub = TaskHub(f"PropHub{n}", tracking_prefix=f"PropTrack{n}" if shared else None)
    service.create_table(hub.instances_table)
    written = data.draw(rows(hub.name))
    table = service.get_table_client(hub.instances_table)
    for row in written:
        table.upsert_entity(row)
    address = HubAddress(hub, StorageConnection.from_connection_string(test_account))
    with open_source(address, RetrySettings()) as source:
        result = DrainGate(source, hub, GateSettings(timeout=0, stable_for=1)).run()
        records = source.instances(include_entities=True)
    holding = [r for r in written if must_hold(r, hub)]
    assert result.exit in (Exit.OK, Exit.NOT_YET), result.error
    assert result.snapshot is not None
    assert (result.exit is Exit.OK) == (not holding), (holding, result.snapshot)
    assert len(result.snapshot.blocking) == len(holding)

    # Every reader of the same rows is total: versions, retire, release's report.
    unfinished = [r for r in records if not is_finished(r.runtime_status)]
    summarize(records)
    rollout = plan_rollout(unfinished, "1.0", MatchStrategy.CURRENT_OR_OLDER)
    assert rollout.safe or rollout.reject or rollout.fail or rollout.unreadable
    for version in {r.version for r in records} | {"1", "1.O"}:
        decision = decide(version, records, timedelta(days=1), datetime.now(UTC))
        mine = [r for r in records if r.version == version and not is_finished(r.runtime_status)]
        assert not (decision.safe and mine)
    json.dumps([instance_json(r) for r in records])
    [instance_line(r) for r in records]
    snapshot(records, ["Flow"])


def test_coercions_follow_what_a_column_says() -> None:
    row = read_row(
        {
            "PartitionKey": "p",
            "RuntimeStatus": "Running",
            "Version": 1,
            "Name": 42,
            "CreatedTime": "2026-01-02T03:04:05Z",
            "TaskHubName": "",
        }
    )
    assert (row.version, row.name, row.task_hub, row.readable) == ("1", "42", None, True)
    assert row.created_time == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    broken = read_row({"PartitionKey": "p", "Version": True, "CreatedTime": "soon"})
    assert not broken.readable
    assert [p.split(":")[0] for p in broken.unreadable] == [
        "RuntimeStatus",
        "Version",
        "CreatedTime",
    ]
