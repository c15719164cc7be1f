"""InstanceStore against a real Azurite: filters, projection, tracking stores, no writes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from azure.data.tables import EdmType, EntityProperty, TableServiceClient

from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.errors import HubNotFoundError
from taskhub.hubs import TaskHub
from taskhub.instances import InstanceStore
from tests.support.helpers import SECRET_ACCOUNT
from tests.support.shared_store import shared_store


def _ids(store: InstanceStore, **kwargs: Any) -> list[str]:
    return [r.instance_id for r in store.unfinished(**kwargs)]


def test_only_unfinished_orchestrations_come_back_oldest_first(
    service: TableServiceClient, host: DurableHostSimulator
) -> None:
    base = datetime(2026, 1, 1, tzinfo=UTC)
    for offset, (iid, status) in enumerate(
        [
            ("done", "Completed"),
            ("failed", "Failed"),
            ("canceled", "Canceled"),
            ("terminated", "Terminated"),
            ("late", "Running"),
            ("early", "Pending"),
            ("odd", "Paused"),
        ]
    ):
        created = base + timedelta(minutes=-offset if iid == "early" else offset)
        host.write(SimulatedInstance(iid, "Flow", status=status, created=created))
    store = InstanceStore(service, host.hub)
    assert _ids(store) == ["early", "late", "odd"]


def test_entities_are_excluded_unless_asked(
    service: TableServiceClient, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("@counter@a", "@counter"))
    host.write(SimulatedInstance("A-first", "Flow"))  # sorts right after "@"
    host.write(SimulatedInstance("?odd", "Flow"))  # escaped to "^3odd"
    store = InstanceStore(service, host.hub)
    assert sorted(_ids(store)) == ["?odd", "A-first"]
    with_entities = store.unfinished(include_entities=True)
    assert {r.instance_id for r in with_entities} == {"@counter@a", "A-first", "?odd"}
    assert [r.is_entity for r in with_entities if r.instance_id.startswith("@")] == [True]


def test_large_columns_are_never_fetched(
    azurite: Azurite, service: TableServiceClient, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("big", "Flow", input='"' + "x" * 30_000 + '"'))
    received: list[bytes] = []
    with TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name),
        raw_response_hook=lambda r: received.append(r.http_response.body()),
    ) as counting:
        records = InstanceStore(counting, host.hub).unfinished()
    assert [r.instance_id for r in records] == ["big"]
    body = b"".join(received)
    assert b"xxxx" not in body and b'"Input"' not in body
    assert len(body) < 2_000


def test_versions_missing_or_empty_read_as_unversioned(
    service: TableServiceClient, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("none", "Flow", version=None))
    host.write(SimulatedInstance("empty", "Flow", version=""))
    host.write(SimulatedInstance("v1", "Flow", version="1.0"))
    versions = {r.instance_id: r.version for r in InstanceStore(service, host.hub).unfinished()}
    assert versions == {"none": "", "empty": "", "v1": "1.0"}


def test_a_shared_tracking_store_is_split_by_task_hub_name(
    service: TableServiceClient, hub_name: str
) -> None:
    prefix = f"Track{hub_name}"
    blue, green = shared_store(service, prefix, f"{hub_name}blue", f"{hub_name}green")
    blue.write(SimulatedInstance("b1", "Flow", status="Running"))
    green.write(SimulatedInstance("g1", "Flow", status="Completed"))
    green.write(SimulatedInstance("g2", "Flow", status="Suspended"))
    assert _ids(InstanceStore(service, blue.hub)) == ["b1"]
    assert _ids(InstanceStore(service, green.hub)) == ["g2"]
    # A row without TaskHubName cannot be attributed, so every hub waits for it.
    blue.write(SimulatedInstance("legacy", "Flow", writes_task_hub_name=False))
    assert sorted(_ids(InstanceStore(service, green.hub))) == ["g2", "legacy"]


def test_a_missing_table_is_an_error_and_is_not_created(
    service: TableServiceClient, hub_name: str
) -> None:
    hub = TaskHub(f"{hub_name}missing")
    store = InstanceStore(service, hub)
    with pytest.raises(HubNotFoundError, match="does not exist"):
        store.unfinished()
    with pytest.raises(HubNotFoundError):
        store.has_any_instance()
    assert hub.instances_table not in {t.name for t in service.list_tables()}


def test_has_any_instance_tells_an_empty_hub(
    service: TableServiceClient, host: DurableHostSimulator
) -> None:
    store = InstanceStore(service, host.hub)
    assert not store.has_any_instance()
    host.write(SimulatedInstance("x", "Flow", status="Completed"))
    assert store.has_any_instance()


def test_the_drain_poll_reads_ids_and_statuses_without_metadata(
    azurite: Azurite, service: TableServiceClient, host: DurableHostSimulator
) -> None:
    for n in range(5):
        host.write(SimulatedInstance(f"busy{n}", "Flow", status="Running", version="1.0"))
    host.write(SimulatedInstance("done", "Flow", status="Completed"))
    sent: list[tuple[str, str]] = []
    received: list[bytes] = []

    def hook(response: Any) -> None:
        request = response.http_request
        sent.append((request.url, request.headers["Accept"]))
        received.append(response.http_response.body())

    with TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name), raw_response_hook=hook
    ) as counting:
        store = InstanceStore(counting, host.hub)
        lean = store.unfinished(detail=False)
        lean_bytes = len(b"".join(received))
        received.clear()
        full = store.unfinished()
    assert [r.instance_id for r in lean] == [r.instance_id for r in full]
    assert {(r.runtime_status, r.name, r.version, r.created_time) for r in lean} == {
        ("Running", None, "", None)
    }
    url, accept = sent[0]
    assert "$select=PartitionKey%2CRuntimeStatus&" in url
    assert accept == "application/json;odata=nometadata"
    assert sent[1][1] == "application/json;odata=minimalmetadata"
    assert lean_bytes * 4 < len(b"".join(received))


def test_the_drain_poll_of_a_shared_store_reads_the_hub_with_its_type(
    service: TableServiceClient, hub_name: str
) -> None:
    """A TaskHubName stored as Int64 comes back as text without metadata, and would be
    dropped as another hub's; with the type annotation it is unreadable, so it is kept."""
    prefix = f"Track{hub_name}"
    blue = DurableHostSimulator(service, TaskHub(f"{hub_name}blue", tracking_prefix=prefix))
    blue.create_hub()
    blue.write(SimulatedInstance("b1", "Flow", status="Running"))
    row = blue.row(SimulatedInstance("odd", "Flow", status="Running"))
    row["TaskHubName"] = EntityProperty(7, EdmType.INT64)
    blue.table.upsert_entity(row)
    lean = InstanceStore(service, blue.hub).unfinished(detail=False)
    assert [(r.instance_id, r.task_hub) for r in lean] == [("b1", blue.hub.name), ("odd", None)]
