"""The metadata every call to a scheduler carries: the task hub, and a bearer token.

durabletask-azuremanaged `internal/durabletask_grpc_interceptor.py` adds `taskhub: <hub>` to
every call and, with a credential, `authorization: Bearer <token>`; its
`internal/access_token_manager.py` asks for scope `https://durabletask.io/.default` and takes a
new token once fewer than 10 minutes of the old one remain, one refresh at a time. Both
rules hold here. Each token is registered with `taskhub.secrets` the moment it arrives, so
no message, annotation or log can show it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple

import grpc
from azure.core.credentials import AccessToken, TokenCredential

from taskhub.secrets import register

SCOPE = "https://durabletask.io/.default"
REFRESH_BEFORE_EXPIRY = 600.0
"""Seconds: AccessTokenManager's `refresh_interval_seconds` default."""


class BearerTokens:
    """One credential's tokens for the scheduler's scope, refreshed before they expire."""

    def __init__(
        self,
        credential: TokenCredential,
        *,
        refresh_before: float = REFRESH_BEFORE_EXPIRY,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._credential = credential
        self._refresh_before = refresh_before
        self._clock = clock
        self._token: AccessToken | None = None
        self._lock = threading.Lock()

    def header(self) -> str:
        """`Bearer <token>`, with a fresh token when the cached one is near its expiry."""
        token = self._token
        if token is None or self._stale(token):
            with self._lock:
                token = self._token
                if token is None or self._stale(token):
                    token = self._credential.get_token(SCOPE)
                    register([token.token])
                    self._token = token
        return f"Bearer {token.token}"

    def _stale(self, token: AccessToken) -> bool:
        return self._clock() >= token.expires_on - self._refresh_before


class _CallDetails(NamedTuple):
    method: str
    timeout: float | None
    metadata: Any
    credentials: grpc.CallCredentials | None
    wait_for_ready: bool | None
    compression: grpc.Compression | None


class HubMetadata(grpc.UnaryUnaryClientInterceptor, grpc.UnaryStreamClientInterceptor):  # type: ignore[misc]
    """Adds `taskhub` and, unless the connection is unauthenticated, `authorization`."""

    def __init__(self, hub: str, tokens: BearerTokens | None) -> None:
        self._hub = hub
        self._tokens = tokens

    def _details(self, details: grpc.ClientCallDetails) -> _CallDetails:
        metadata = [(k, v) for k, v in (details.metadata or ()) if k not in _OURS]
        metadata.append(("taskhub", self._hub))
        if self._tokens is not None:
            metadata.append(("authorization", self._tokens.header()))
        return _CallDetails(
            details.method,
            details.timeout,
            metadata,
            details.credentials,
            getattr(details, "wait_for_ready", None),
            getattr(details, "compression", None),
        )

    def intercept_unary_unary(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)

    def intercept_unary_stream(self, continuation: Any, details: Any, request: Any) -> Any:
        return continuation(self._details(details), request)


_OURS = ("taskhub", "authorization")
