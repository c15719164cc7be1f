"""StatusCheck: is anything unfinished in this app's own task hub?

For Azure Pipelines' "Invoke Azure Function" gate, which polls an HTTP function until its
answer says go. It reads the Instances table with taskhub (every status, not one page of
100 like the SDK's status API) and fails closed: a read error answers "not drained".
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from taskhub.connection import RetrySettings, StorageConnection
from taskhub.drain import snapshot
from taskhub.errors import DurableDeployError
from taskhub.hostjson import DEFAULT_DURABLE_SETTING, RUNTIME_STORAGE_SETTING, override_setting
from taskhub.hubs import TaskHub
from taskhub.instances import InstanceStore


def status_check(environ: Mapping[str, str] = os.environ) -> tuple[int, dict[str, Any]]:
    """HTTP status and body: 200 with drained true/false, 503 when it cannot tell."""
    setting = environ.get(override_setting("storageProvider", "connectionName")) or (
        DEFAULT_DURABLE_SETTING
        if any(k.startswith(DEFAULT_DURABLE_SETTING) for k in environ)
        else RUNTIME_STORAGE_SETTING
    )
    hub_name = environ.get(override_setting("hubName"), "")
    try:
        hub = TaskHub(hub_name)
        connection = StorageConnection.from_setting(setting, environ)
        with connection.service_client(RetrySettings(total=2)) as service:
            snap = snapshot(InstanceStore(service, hub, secrets=connection.secrets).unfinished())
    except DurableDeployError as exc:
        return 503, {"drained": False, "error": exc.message}
    return 200, {
        "drained": snap.drained,
        "hub": hub.name,
        "not_finished": len(snap.blocking),
        "by_status": snap.by_status,
        "by_version": snap.by_version,
    }
