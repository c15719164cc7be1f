"""`replay-check` over a hub a hostile writer filled: a gzip bomb, a JSON value nested 2,000
deep and a `../` blob name each make their own instance unreadable (exit 2), and every other
instance is still judged. Histories as tests/durabletask_rows.py writes them, in Azurite, the
CLI run as a process."""

from __future__ import annotations

import gzip
from typing import Any

from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient

from standins.azurite import Azurite
from taskhub.hubs import TaskHub
from tests.support.durabletask_rows import flows_with_started, large_messages, write
from tests.support.helpers import SECRET_ACCOUNT, Cli, replay_check

PROGRAMS = "tests.support.replay_programs"
# The blob DurableTask names for an ExecutionStarted row's Input (AzureTableTrackingStore
# GetBlobName), for instance ids that need no escaping.
INPUT_BLOB = "{}/history-0000000000000001-ExecutionStarted-9F0E1D2C-Input.json.gz".format
# 100 gzip members of 4 MiB of zeros: 0.4 MB that inflates to 400 MiB.
BOMB = gzip.compress(b"\0" * 4 * 2**20, compresslevel=9) * 100


def test_hostile_histories_are_unreadable_one_by_one(
    cli: Cli, azurite: Azurite, service: TableServiceClient, hub_name: str
) -> None:
    connection = azurite.connection_string(SECRET_ACCOUNT.name)
    large_messages(connection, TaskHub(hub_name)).upload_blob(INPUT_BLOB("bomb"), BOMB)
    other = BlobServiceClient.from_connection_string(connection).get_container_client("other")
    other.create_container()
    other.upload_blob("secret", gzip.compress(b'"not yours"'))
    hostile: dict[str, dict[str, Any]] = {
        "bomb": {"Input": "", "InputBlobName": INPUT_BLOB("bomb")},
        "deep-json": {"Input": "[" * 2000 + "]" * 2000},
        "dot-dot": {"Input": "", "InputBlobName": "../other/secret"},
    }
    write(service, TaskHub(hub_name), flows_with_started(hostile))
    run, result = replay_check(cli, azurite, hub_name, "--function", f"{PROGRAMS}:unchanged")
    assert run.code == 2, run.output
    found = {i["instance_id"]: i for i in result["instances"]}
    assert found["flow-1"]["outcome"] == "ok"
    reasons = {i: r["reason"] for i, r in found.items() if r["outcome"] == "unreadable"}
    assert set(reasons) == set(hostile), run.output
    assert "inflates beyond" in reasons["bomb"]
    assert "nests JSON deeper" in reasons["deep-json"]
    assert "not the blob DurableTask writes" in reasons["dot-dot"]
