"""gRPC failures of a scheduler call, mapped to the errors every backend raises.

One context manager maps them (the shape of httpx `_transports/default.py`,
`map_httpcore_exceptions`), so each call site reads as the happy path and every failure
leaves as the most specific `DurableDeployError`, raised `from` the gRPC error. The classes
are the storage backend's, so a pipeline sees the same `type` and exit code for the same
situation whichever backend holds the hub:

- UNAVAILABLE, DEADLINE_EXCEEDED, RESOURCE_EXHAUSTED (throttling) are transient: `retrying`
  tries again with exponential backoff, then `StoreUnavailableError`;
- UNAUTHENTICATED, PERMISSION_DENIED: `AccessDeniedError`, whose fix names the data role
  that reads a task hub (Durable Task Data Reader, `SchedulerRole.DATA_READER`,
  scoped to the task hub); a credential that cannot get a token at all is the same error;
- NOT_FOUND on a call that names only the hub: `HubNotFoundError` (a mistyped hub is
  never read as an empty one);
- anything else: `StoreUnavailableError` with the code, never a verdict.

Why a loop of our own rather than the channel's retry policy: gRPC caps a policy at five
attempts and gives all attempts one deadline, so a stalled attempt could not be retried
(DEADLINE_EXCEEDED) and `--retries 8` could not be honoured.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

import grpc
from azure.core.exceptions import ClientAuthenticationError

from taskhub.errors import (
    AccessDeniedError,
    DurableDeployError,
    HubNotFoundError,
    StoreUnavailableError,
    first_line,
)
from taskhub.scheduler_settings import SchedulerRole
from taskhub.secrets import redact

T = TypeVar("T")
DATA_READER_ROLE = "Durable Task Data Reader"
DATA_READER_ROLE_ID = SchedulerRole.DATA_READER.value
TRANSIENT = frozenset(
    {
        grpc.StatusCode.UNAVAILABLE,
        grpc.StatusCode.DEADLINE_EXCEEDED,
        grpc.StatusCode.RESOURCE_EXHAUSTED,
    }
)
_DENIED = frozenset({grpc.StatusCode.UNAUTHENTICATED, grpc.StatusCode.PERMISSION_DENIED})


@dataclass(frozen=True)
class Retry:
    """How often and how patiently a transient failure is retried."""

    retries: int = 5
    backoff: float = 0.5
    """Seconds before the first retry; doubled for each later one, up to `backoff_max`."""
    backoff_max: float = 30.0
    timeout: float = 60.0
    """Seconds one attempt may take (a unary call, or a whole history stream)."""

    def delay(self, attempt: int) -> float:
        return float(min(self.backoff * (2**attempt), self.backoff_max))


def status_of(exc: grpc.RpcError) -> grpc.StatusCode | None:
    code = getattr(exc, "code", None)
    return code() if callable(code) else None


def _detail(exc: BaseException) -> str:
    details = getattr(exc, "details", None)
    text = details() if callable(details) else None
    return redact(str(text) if text else first_line(exc))


def retrying(call: Callable[[], T], retry: Retry, sleep: Callable[[float], None] = time.sleep) -> T:
    """`call()`, tried again after each transient failure, `retry.retries` times at most."""
    for attempt in range(retry.retries):
        try:
            return call()
        except grpc.RpcError as exc:
            if status_of(exc) not in TRANSIENT:
                raise
        sleep(retry.delay(attempt))
    return call()


@contextmanager
def map_grpc_errors(
    what: str, *, hub: str, scheduler: str, retries: int, hub_only: bool = True
) -> Iterator[None]:
    """Maps a failed scheduler call to our errors. `what` names the call for the message;
    `hub_only`: the call names nothing but the hub, so NOT_FOUND can only mean the hub."""
    try:
        yield
    except DurableDeployError:
        raise
    except ClientAuthenticationError as exc:
        raise AccessDeniedError(
            f"no token for the scheduler: {redact(first_line(exc))}",
            fix="sign in as the identity the connection string names (az login, a managed "
            "or federated identity), then run again",
        ) from exc
    except grpc.RpcError as exc:
        raise _translate(exc, what, hub, scheduler, retries, hub_only) from exc


def _translate(
    exc: grpc.RpcError, what: str, hub: str, scheduler: str, retries: int, hub_only: bool
) -> DurableDeployError:
    code = status_of(exc)
    name = code.name if code is not None else "no status"
    detail = f"{name}: {_detail(exc)}"
    if code in _DENIED:
        return AccessDeniedError(
            f"scheduler {scheduler} refused {what} on task hub {hub!r} ({detail})",
            fix=f"assign the identity the role '{DATA_READER_ROLE}' ({DATA_READER_ROLE_ID}) on "
            f"task hub {hub!r} (az role assignment create --role {DATA_READER_ROLE_ID} --scope "
            "<task hub resource id>), and check the connection string's Authentication",
        )
    if code is grpc.StatusCode.NOT_FOUND and hub_only:
        return HubNotFoundError(
            f"task hub {hub!r} does not exist on scheduler {scheduler} ({detail})",
            fix="check the hub name (host.json hubName, or TaskHub= in the connection string) "
            "and the scheduler endpoint",
        )
    if code in TRANSIENT:
        return StoreUnavailableError(
            f"scheduler {scheduler} could not answer {what} after {retries} retries ({detail})",
            fix="check the endpoint and network access (the scheduler's IP allow list), then "
            "run again, or raise --retries",
        )
    return StoreUnavailableError(
        f"unexpected answer from scheduler {scheduler} to {what} ({detail})",
        fix="check the endpoint (and any proxy in between), then run again",
    )
