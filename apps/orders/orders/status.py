"""StatusCheck: is anything unfinished in this app's own task hub?

For Azure Pipelines' "Invoke Azure Function" gate, which polls an HTTP function until its
answer says go. It reads the Instances table with taskhub (every status, not one page of
100 like the SDK's status API) and fails closed: a read error answers "not drained".
Its hub and connection are what the host reads: the app's own host.json under its app
settings (taskhub/hostjson.py `read_durable`), never a guess.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from taskhub.connection import RetrySettings, StorageConnection
from taskhub.drain import snapshot
from taskhub.errors import ConfigurationError, DurableDeployError
from taskhub.hostjson import read_durable
from taskhub.hubs import TaskHub
from taskhub.sources import HubAddress, open_source

HOST_JSON = Path(__file__).resolve().parent.parent / "host.json"
"""Deployed at the package's root, beside this package (as in apps/orders)."""


def status_check(
    environ: Mapping[str, str] = os.environ, host_json: Path = HOST_JSON
) -> tuple[int, dict[str, Any]]:
    """HTTP status and body: 200 with drained true/false, 503 when it cannot tell."""
    try:
        durable = read_durable(environ, _host_json(host_json))
        hub = TaskHub(durable.hub_name or "")
        setting = durable.require_instances_connection("StatusCheck")
        connection = StorageConnection.from_setting(setting, environ)
        with open_source(HubAddress(hub, connection), RetrySettings(total=2)) as source:
            snap = snapshot(source.unfinished())
    except DurableDeployError as exc:
        return 503, {"drained": False, "error": exc.message}
    return 200, {
        "drained": snap.drained,
        "hub": hub.name,
        "not_finished": len(snap.blocking),
        "by_status": snap.by_status,
        "by_version": snap.by_version,
    }


def _host_json(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigurationError(
            f"cannot read {path.name} ({exc})", fix="deploy host.json at the package's root"
        ) from exc
    if not isinstance(document, dict):
        raise ConfigurationError(f"{path.name} is not a JSON object", fix="fix host.json")
    return document
