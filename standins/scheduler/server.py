"""A Durable Task Scheduler stand-in: Microsoft's in-memory backend behind the scheduler's
front door.

`durabletask.testing.InMemoryOrchestrationBackend` (PyPI `durabletask`) implements
`TaskHubSidecarService` itself, and a real `TaskHubGrpcWorker` runs orchestrations on it, so
every state and history here was written by Microsoft's code. What it does not do, and the
real scheduler does (docs/domain.md, "Durable Task Scheduler"), this wrapper adds before handing
each call to the backend of the hub the call names:

- the `taskhub` metadata picks one of several hubs, each its own backend; an unknown hub is
  NOT_FOUND (the backend ignores the metadata);
- with `tokens` (a live collection), the `authorization: Bearer <token>` metadata is
  checked: no or an unknown token is UNAUTHENTICATED, a token in `denied` PERMISSION_DENIED;
- `page_cap` caps `QueryInstances` pages (the backend answers everything when asked for 0);
- `fill_versions`: listings carry `OrchestrationState.version`, read from what the backend
  stored at StartInstance (it leaves the field unset, as the real scheduler may too);
  `fill_instance_versions`: `GetInstance` answers carry it (whether the real scheduler
  fills either is not verified, so each is played both ways);
- `paging`: an empty page that carries a token before every page, or a token that does not
  advance;
- `faults`: UNAVAILABLE answers and stalls, per RPC, counted down.

Served on loopback only: plain gRPC always (the worker, and `Authentication=None`), TLS too
when given a certificate (a bearer token is only ever sent over TLS).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator
from concurrent import futures
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import grpc
from durabletask.internal import orchestrator_service_pb2 as pb
from durabletask.internal import orchestrator_service_pb2_grpc as stubs
from durabletask.testing import InMemoryOrchestrationBackend

SERVICE = pb.DESCRIPTOR.services_by_name["TaskHubSidecarService"]
_EMPTY_MARK = "empty-page:"

logging.getLogger("durabletask.testing.in_memory_backend").setLevel(logging.ERROR)
"""The backend warns that it terminates without recursion whenever a client asks with it
(the client's default): true of the stand-in, not news to anyone reading a rehearsal."""


class Paging(StrEnum):
    NORMAL = "normal"
    EMPTY_PAGE_FIRST = "empty-page-first"
    """Before each real page, a page with no states and a token that leads to it."""
    STUCK_TOKEN = "stuck-token"
    """A page asked for with a token answers with that same token."""


@dataclass
class Faults:
    """What goes wrong, per RPC name, counted down as calls arrive."""

    unavailable: Counter[str] = field(default_factory=Counter)
    stalls: Counter[str] = field(default_factory=Counter)
    stall_seconds: float = 2.0


@dataclass(frozen=True)
class SeenCall:
    rpc: str
    hub: str | None
    authorization: str | None


@dataclass(frozen=True)
class Address:
    plain: str
    """`host:port` of the plain gRPC port (`http://` endpoints, the worker)."""
    tls: str | None = None
    """`host:port` of the TLS port, when served with a certificate."""


class SchedulerStandIn:
    """Hubs by name, each an in-memory backend, behind the checks the real scheduler makes."""

    def __init__(
        self,
        hubs: Iterable[str],
        *,
        tokens: Collection[str] | None = None,
        denied: Collection[str] = (),
        page_cap: int = 100,
        fill_versions: bool = False,
        fill_instance_versions: bool = False,
        paging: Paging = Paging.NORMAL,
    ) -> None:
        self.backends = {hub: InMemoryOrchestrationBackend() for hub in hubs}
        self.tokens = tokens  # kept by reference: a credential's `issued` list stays current
        self.denied = denied
        self.page_cap = page_cap
        self.fill_versions = fill_versions
        self.fill_instance_versions = fill_instance_versions
        self.paging = paging
        self.faults = Faults()
        self.calls: list[SeenCall] = []
        self._lock = threading.Lock()
        self._server: grpc.Server | None = None
        self.address: Address | None = None
        for method in SERVICE.methods:
            handler = self._streaming if method.server_streaming else self._unary
            setattr(self, method.name, handler(method.name))

    def start(self, tls: tuple[Path, Path] | None = None) -> Address:
        server = grpc.server(futures.ThreadPoolExecutor(max_workers=32))
        stubs.add_TaskHubSidecarServiceServicer_to_server(self, server)  # type: ignore[no-untyped-call]
        plain = server.add_insecure_port("127.0.0.1:0")
        secure = None
        if tls is not None:
            certificate, key = (path.read_bytes() for path in tls)
            credentials = grpc.ssl_server_credentials([(key, certificate)])
            secure = server.add_secure_port("localhost:0", credentials)
        server.start()
        self._server = server
        self.address = Address(f"127.0.0.1:{plain}", f"localhost:{secure}" if secure else None)
        return self.address

    def stop(self) -> None:
        for backend in self.backends.values():
            backend.stop()  # ends the workers' GetWorkItems streams
        if self._server is not None:
            self._server.stop(grace=None).wait()
            self._server = None

    def calls_of(self, rpc: str) -> list[SeenCall]:
        with self._lock:
            return [c for c in self.calls if c.rpc == rpc]

    def _admit(self, rpc: str, context: grpc.ServicerContext) -> InMemoryOrchestrationBackend:
        """The backend this call is for, after the checks; aborts the call otherwise."""
        metadata = {key.lower(): value for key, value in context.invocation_metadata()}
        hub, authorization = metadata.get("taskhub"), metadata.get("authorization")
        with self._lock:
            self.calls.append(SeenCall(rpc, hub, authorization))
            unavailable = self.faults.unavailable[rpc] > 0
            stall = self.faults.stalls[rpc] > 0
            if unavailable:
                self.faults.unavailable[rpc] -= 1
            elif stall:
                self.faults.stalls[rpc] -= 1
        if unavailable:
            context.abort(grpc.StatusCode.UNAVAILABLE, "the stand-in plays an outage")
        if stall:
            time.sleep(self.faults.stall_seconds)
        if self.tokens is not None:
            token = (authorization or "").removeprefix("Bearer ")
            if (
                not authorization
                or not authorization.startswith("Bearer ")
                or (token not in self.tokens and token not in self.denied)
            ):
                context.abort(
                    grpc.StatusCode.UNAUTHENTICATED, "no valid token in the authorization metadata"
                )
            if token in self.denied:
                context.abort(grpc.StatusCode.PERMISSION_DENIED, "the identity has no data role")
        if not hub:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, "no taskhub metadata")
        backend = self.backends.get(hub or "")
        if backend is None:
            context.abort(grpc.StatusCode.NOT_FOUND, f"task hub {hub!r} not found")
        assert backend is not None
        return backend

    def _unary(self, rpc: str) -> Callable[[Any, grpc.ServicerContext], Any]:
        def handle(request: Any, context: grpc.ServicerContext) -> Any:
            backend = self._admit(rpc, context)
            if rpc == "QueryInstances":
                return self._query(backend, request, context)
            response = getattr(backend, rpc)(request, context)
            if rpc == "GetInstance" and self.fill_instance_versions and response.exists:
                _fill_version(backend, response.orchestrationState)
            return response

        return handle

    def _streaming(self, rpc: str) -> Callable[[Any, grpc.ServicerContext], Iterator[Any]]:
        def handle(request: Any, context: grpc.ServicerContext) -> Iterator[Any]:
            backend = self._admit(rpc, context)
            yield from getattr(backend, rpc)(request, context)

        return handle

    def _query(
        self,
        backend: InMemoryOrchestrationBackend,
        request: pb.QueryInstancesRequest,
        context: grpc.ServicerContext,
    ) -> pb.QueryInstancesResponse:
        query = request.query
        token = query.continuationToken.value if query.HasField("continuationToken") else ""
        if self.paging is Paging.EMPTY_PAGE_FIRST and not token.startswith(_EMPTY_MARK):
            empty = pb.QueryInstancesResponse()
            empty.continuationToken.value = _EMPTY_MARK + token
            return empty
        forwarded = pb.QueryInstancesRequest()
        forwarded.CopyFrom(request)
        asked = query.maxInstanceCount
        forwarded.query.maxInstanceCount = min(asked, self.page_cap) if asked > 0 else self.page_cap
        real = token.removeprefix(_EMPTY_MARK)
        if real:
            forwarded.query.continuationToken.value = real
        else:
            forwarded.query.ClearField("continuationToken")
        response: pb.QueryInstancesResponse = backend.QueryInstances(forwarded, context)
        if self.fill_versions:
            for state in response.orchestrationState:
                _fill_version(backend, state)
        if self.paging is Paging.STUCK_TOKEN and token:
            response.continuationToken.value = token
        return response


def _fill_version(backend: InMemoryOrchestrationBackend, state: pb.OrchestrationState) -> None:
    """What the backend stored from StartInstance (its only record of the version)."""
    version = backend._instances[state.instanceId].version
    if version is not None:
        state.version.value = version
