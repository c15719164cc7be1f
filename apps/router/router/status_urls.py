"""Status URLs of a starter's 202 answer, rewritten to point at the router.

A starter built on `create_check_status_response` answers 202 with a Location header and
a body of management URLs, all on the origin of the request the app saw (the Python SDK's
`DurableOrchestrationClient.get_client_response_links` puts `request.url`'s origin on the
host's `managementUrls`), which behind the router is the version's own app host. A client
that followed them would bypass the router and keep calling that app after routes change.
The router rewrites exactly those that start with a routed app's base URL to its own
public base URL; the rest of the URL (path, `taskHub`, `connection`, `code`) is kept, and
the router routes it back by its instance id.

The fields are those of the extension's HttpManagementPayload as HttpApiHandler fills it
(azure-functions-durable-extension, src/WebJobs.Extensions.DurableTask/HttpApiHandler.cs,
`CreateHttpManagementPayload`), serialised camelCase.
"""

from __future__ import annotations

import json
from collections.abc import Iterable

import httpx

STATUS_FIELDS = frozenset(
    {
        "statusQueryGetUri",
        "sendEventPostUri",
        "terminatePostUri",
        "rewindPostUri",
        "purgeHistoryDeleteUri",
        "restartPostUri",
        "suspendPostUri",
        "resumePostUri",
    }
)
MAX_REWRITTEN_BODY = 64 * 1024
"""A starter's payload is well under 2 KiB; a bigger 202 body is passed through as is."""


class StatusUrlRewriter:
    """Maps URLs on any routed app's base URL to the same path on `public_base`."""

    def __init__(self, app_bases: Iterable[str], public_base: str) -> None:
        self._public = public_base.rstrip("/")
        self._bases = []
        for base in app_bases:
            url = httpx.URL(base)
            self._bases.append(
                (url.scheme, (url.host or "").lower(), url.port, url.path.rstrip("/"))
            )

    def url(self, value: str) -> str:
        try:
            url = httpx.URL(value)
        except (httpx.InvalidURL, TypeError):
            return value
        where = (url.scheme, (url.host or "").lower(), url.port)
        raw = url.raw_path.decode("ascii")
        for scheme, host, port, prefix in self._bases:
            if where == (scheme, host, port) and (
                raw == prefix or raw.startswith(prefix + "/") or raw.startswith(prefix + "?")
            ):
                return self._public + raw[len(prefix) :]
        return value

    def body(self, content: bytes) -> bytes | None:
        """The body with its status URLs rewritten; None when it is not such a payload."""
        try:
            payload = json.loads(content)
        except (UnicodeDecodeError, ValueError):
            return None
        if not isinstance(payload, dict) or not STATUS_FIELDS & payload.keys():
            return None
        for field in STATUS_FIELDS & payload.keys():
            if isinstance(payload[field], str):
                payload[field] = self.url(payload[field])
        return json.dumps(payload).encode()
