"""What App Service says when it refuses or fails a slot operation, decoded and classified.

App Service answers in two shapes. ARM's own, `{"error": {"code", "message", "details"}}`
(`DefaultErrorResponse` in Microsoft.Web WebApps.json), which azure-core parses; and the
resource provider's, `{"Code", "Message", "Target", "Details": [{"Message"}, {"Code"},
{"ErrorEntity": {...}}], "Innererror"}` (the Microsoft.Web `statusMessage` example of
azure-docs "Troubleshoot common Azure deployment errors"), which azure-core does not parse,
so its message was lost behind "Operation returned an invalid status 'Conflict'".

The classes below are the refusals a release must tell apart, each from messages App Service
really sends (quoted in tests/support/arm_fixtures.py with their sources).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from azure.core.exceptions import HttpResponseError


@dataclass(frozen=True)
class ServiceError:
    code: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}" if self.code else self.message


def decode(exc: HttpResponseError) -> ServiceError:
    """The code and message of either body shape; the reason phrase when there is no body."""
    body = _body(exc)
    nested = body.get("error")
    inner: dict[str, Any] = nested if isinstance(nested, dict) else body
    code = inner.get("code") or inner.get("Code")
    message = inner.get("message") or inner.get("Message")
    if not message:
        error = getattr(exc, "error", None)
        code = code or getattr(error, "code", None)
        message = getattr(error, "message", None) or exc.reason or ""
    return ServiceError(str(code) if code else None, str(message))


def _body(exc: HttpResponseError) -> dict[str, Any]:
    response = exc.response
    if response is None:
        return {}
    try:
        parsed = json.loads(response.text() or "{}")
    except (ValueError, TypeError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


class Refusal(StrEnum):
    PREVIEW_PENDING = "preview-pending"
    """409 while a swap with preview waits to be completed or reset: the site is locked."""
    BUSY = "busy"
    """409 while a swap (or another site operation) runs."""
    WARM_UP = "warm-up"
    """A swap failed because the source slot did not start or warm up."""
    RETRY = "retry"
    """A swap failed for a passing reason and App Service asks to retry it."""
    OTHER = "other"


def classify(message: str) -> Refusal:
    """Which refusal `message` is; warm-up first, because its advice mentions "try" too."""
    text = message.lower()
    if "prepared for swap" in text:
        return Refusal.PREVIEW_PENDING
    if "another operation is in progress" in text:
        return Refusal.BUSY
    if any(
        cue in text
        for cue in ("warmup", "warm-up", "warm up", "application initialization", "http ping")
    ) or ("worker process" in text and "could not be started" in text):
        return Refusal.WARM_UP
    if "retry" in text:
        return Refusal.RETRY
    return Refusal.OTHER
