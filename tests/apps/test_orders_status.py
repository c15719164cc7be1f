"""The sample's StatusCheck reads its hub and connection as its host does: the app's own
host.json (hubName `%TaskHubName%`, storageProvider.connectionName) under its app settings,
through taskhub/hostjson.py `read_durable`, never a guess from which settings exist."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from orders.status import status_check

from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from tests.support.helpers import SECRET_ACCOUNT


def test_the_hub_comes_from_host_json_and_its_app_setting(
    azurite: Any, host: DurableHostSimulator
) -> None:
    """host.json says `%TaskHubName%`: the extension resolves it from the app settings."""
    host.write(SimulatedInstance("o-1", "ProcessOrder", "Running", "2.0"))
    environ = {
        "TaskHubName": host.hub.name,
        "DurableManagementStorage": azurite.connection_string(SECRET_ACCOUNT.name),
        # The runtime account: what a reader guessing AzureWebJobsStorage would read.
        "AzureWebJobsStorage": azurite.connection_string(),
    }
    code, body = status_check(environ)
    assert (code, body["hub"], body["drained"]) == (200, host.hub.name, False)


def test_a_seed_form_host_json_without_a_bundle_is_not_guessed(
    azurite: Any, host: DurableHostSimulator, tmp_path: Path
) -> None:
    document = {
        "version": "2.0",
        "extensions": {
            "durableTask": {
                "hubName": host.hub.name,
                "azureStorageConnectionStringName": "DurableManagementStorage",
            }
        },
    }
    (tmp_path / "host.json").write_text(json.dumps(document))
    environ = {"DurableManagementStorage": azurite.connection_string(SECRET_ACCOUNT.name)}
    code, body = status_check(environ, tmp_path / "host.json")
    assert (code, body["drained"]) == (503, False)
    assert "1.x" in body["error"]


def test_an_unreadable_host_json_answers_503(tmp_path: Path) -> None:
    (tmp_path / "host.json").write_text("[1, 2")
    code, body = status_check({}, tmp_path / "host.json")
    assert code == 503 and "host.json" in body["error"]
