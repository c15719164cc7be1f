"""The instance source seam: `open_source` opens the storage backend for a storage connection,
and a stage judges whatever source it is handed (so a second backend needs no stage change)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from scripts.stages.exits import Exit
from scripts.stages.gate import DrainGate, GateSettings
from standins.azurite import Azurite
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.connection import RetrySettings, StorageConnection
from taskhub.errors import HubNotFoundError
from taskhub.hubs import TaskHub
from taskhub.instance_source import InstanceSource
from taskhub.sources import HubAddress, open_source
from taskhub.storage_source import StorageInstanceSource
from tests.support.helpers import SECRET_ACCOUNT
from tests.support.listed_source import ListedSource


def _address(azurite: Azurite, hub: TaskHub) -> HubAddress:
    connection = StorageConnection.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name)
    )
    return HubAddress(hub, connection)


def test_a_storage_connection_opens_the_tables_source(
    azurite: Azurite, host: DurableHostSimulator
) -> None:
    host.write(SimulatedInstance("busy", "Flow", status="Running"))
    host.write(SimulatedInstance("done", "Flow", status="Completed"))
    with open_source(_address(azurite, host.hub), RetrySettings(total=0)) as source:
        assert isinstance(source, StorageInstanceSource)
        assert [r.instance_id for r in source.unfinished()] == ["busy"]
        assert sorted(r.instance_id for r in source.instances()) == ["busy", "done"]
        assert source.has_any_instance()
        assert host.hub.instances_table in source.description
        assert SECRET_ACCOUNT.key not in source.description


def test_a_missing_hub_is_an_error_from_the_source_never_an_empty_answer(
    azurite: Azurite, hub_name: str
) -> None:
    hub = TaskHub(f"{hub_name}none")
    with open_source(_address(azurite, hub), RetrySettings(total=0)) as source:
        with pytest.raises(HubNotFoundError):
            source.unfinished()
        with pytest.raises(HubNotFoundError):
            source.history("any")


@pytest.mark.parametrize(("status", "exit"), [("Running", Exit.NOT_YET), ("Completed", Exit.OK)])
def test_the_gate_judges_any_source(status: str, exit: Exit) -> None:
    created = datetime(2026, 1, 1, tzinfo=UTC)
    source: InstanceSource = ListedSource(
        [{"PartitionKey": "i-1", "RuntimeStatus": status, "CreatedTime": created}]
    )
    result = DrainGate(source, TaskHub("Orders"), GateSettings(timeout=0, stable_for=1)).run()
    assert result.exit is exit
