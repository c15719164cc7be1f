"""`map_storage_errors`: every table reader and writer maps what storage answered the same way,
from the service's own error code, keeping the Azure exception as the cause.

The failures come from a real Azurite (its answers are the Table service's wire format,
decoded by azure-data-tables' own `_decode_error`), never from exceptions built here.
"""

from __future__ import annotations

import pytest
from azure.core.exceptions import AzureError, HttpResponseError
from azure.data.tables import TableErrorCode, TableServiceClient

from standins.azurite import Azurite
from taskhub.errors import (
    AccessDeniedError,
    DurableDeployError,
    HubNotFoundError,
    TableNotFoundError,
    is_entity_missing,
    is_table_missing,
    map_storage_errors,
)
from taskhub.history import HistoryStore
from taskhub.hubs import TaskHub
from taskhub.routes import ROUTES_TABLE, Route, RouteStore
from tests.support.helpers import WRONG_KEY, secret_account_connection


def test_a_missing_hub_table_is_hub_not_found_caused_by_the_service_answer(
    service: TableServiceClient, hub_name: str
) -> None:
    hub = TaskHub(f"{hub_name}gone")
    with pytest.raises(HubNotFoundError) as info:
        HistoryStore(service, hub).history("i-1")
    cause = info.value.__cause__
    assert isinstance(cause, HttpResponseError)
    assert cause.error_code == TableErrorCode.TABLE_NOT_FOUND  # type: ignore[attr-defined]
    assert is_table_missing(cause) and not is_entity_missing(cause)
    assert hub.history_table in info.value.message
    assert "--allow-missing-hub" not in info.value.fix  # replay-check, retire have no such option


def test_a_missing_entity_is_not_a_missing_table(
    service: TableServiceClient, hub_name: str
) -> None:
    table = service.create_table(f"{hub_name}Rows")
    with pytest.raises(HttpResponseError) as info:
        table.get_entity("nobody", "")
    assert is_entity_missing(info.value) and not is_table_missing(info.value)


def test_a_table_of_no_hub_is_table_not_found_but_never_hub_not_found(
    service: TableServiceClient, hub_name: str
) -> None:
    table = f"{hub_name}Other"
    with pytest.raises(TableNotFoundError) as info, map_storage_errors(table):
        list(service.get_table_client(table).list_entities())
    assert not isinstance(info.value, HubNotFoundError)
    assert table in info.value.message


def test_our_own_errors_pass_through_unchanged() -> None:
    ours = DurableDeployError("already ours", fix="nothing")
    with pytest.raises(DurableDeployError) as info, map_storage_errors("T"):
        raise ours
    assert info.value is ours and info.value.__cause__ is None


def test_a_wrong_key_is_access_denied_and_the_key_is_never_in_the_message(
    azurite: Azurite, hub_name: str
) -> None:
    connection = secret_account_connection(azurite, key=WRONG_KEY)
    with (
        TableServiceClient.from_connection_string(connection, retry_total=0) as service,
        pytest.raises(AccessDeniedError) as info,
        map_storage_errors("T", secrets=(WRONG_KEY, connection)),
    ):
        list(service.get_table_client(f"{hub_name}X").list_entities())
    assert isinstance(info.value.__cause__, AzureError)
    assert WRONG_KEY not in str(info.value)


def test_the_route_table_reads_as_empty_only_when_asked(azurite: Azurite) -> None:
    # The dev account: the router tests keep their route table in SECRET_ACCOUNT's.
    with TableServiceClient.from_connection_string(azurite.connection_string()) as service:
        service.delete_table(ROUTES_TABLE)
        store = RouteStore(service)
        assert store.load(missing_ok=True).routes == {}
        with pytest.raises(TableNotFoundError):
            store.load()
        saved = store.save(Route("1.0", "a", "https://a.example", "1.0.3", "HubA", current=True))
        assert saved.current is not None and saved.current.minor == "1.0"
        service.delete_table(ROUTES_TABLE)
