"""One channel to one task hub of a scheduler: the calls a read needs, each bounded,
retried and mapped.

A read uses `QueryInstances` (a page of states, never inputs or outputs:
`fetchInputsAndOutputs` stays false), `StreamInstanceHistory` (chunks of events) and, for an
instance whose version neither shows, `GetInstance` (`getInputsAndOutputs` false), all
from `TaskHubSidecarService` in microsoft/durabletask-protobuf `orchestrator_service.proto`,
called through the stubs PyPI `durabletask` generates from it. Nothing here writes: no call
that creates, purges or changes an instance is ever made. TLS is the system's trust store
unless a test passes its own root certificate.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import grpc
from azure.core.credentials import TokenCredential
from durabletask.internal import orchestrator_service_pb2 as pb
from durabletask.internal import orchestrator_service_pb2_grpc as stubs

from taskhub.scheduler.call_metadata import BearerTokens, HubMetadata
from taskhub.scheduler.connection_string import SchedulerConnection
from taskhub.scheduler.grpc_errors import Retry, map_grpc_errors, retrying, status_of

_CHANNEL_OPTIONS = [
    # A history chunk holds whole inputs and results; the 4 MB default would refuse a large
    # one as RESOURCE_EXHAUSTED, which would read as throttling.
    ("grpc.max_receive_message_length", -1),
]


class SchedulerClient:
    """Reads one task hub; a context manager that closes its channel."""

    def __init__(
        self,
        connection: SchedulerConnection,
        hub: str,
        *,
        credential: TokenCredential | None,
        retry: Retry,
        root_certificates: bytes | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.connection = connection
        self.hub = hub
        self.retry = retry
        self._sleep = sleep
        if connection.secure:
            raw = grpc.secure_channel(
                connection.target,
                grpc.ssl_channel_credentials(root_certificates=root_certificates),
                options=_CHANNEL_OPTIONS,
            )
        else:
            raw = grpc.insecure_channel(connection.target, options=_CHANNEL_OPTIONS)
        tokens = BearerTokens(credential) if credential is not None else None
        self._raw = raw
        self._stub = stubs.TaskHubSidecarServiceStub(  # type: ignore[no-untyped-call]
            grpc.intercept_channel(raw, HubMetadata(hub, tokens))
        )

    @contextmanager
    def _mapped(self, what: str, *, hub_only: bool = True) -> Iterator[None]:
        with map_grpc_errors(
            what,
            hub=self.hub,
            scheduler=self.connection.endpoint,
            retries=self.retry.retries,
            hub_only=hub_only,
        ):
            yield

    def query(self, query: pb.InstanceQuery) -> pb.QueryInstancesResponse:
        """One page of instance states."""
        request = pb.QueryInstancesRequest(query=query)

        def call() -> pb.QueryInstancesResponse:
            response: pb.QueryInstancesResponse = self._stub.QueryInstances(
                request, timeout=self.retry.timeout
            )
            return response

        with self._mapped("QueryInstances"):
            return retrying(call, self.retry, self._sleep)

    def instance(self, instance_id: str) -> pb.OrchestrationState | None:
        """The instance's own state (`GetInstance`, without inputs or outputs); None when
        the scheduler does not know it."""
        request = pb.GetInstanceRequest(instanceId=instance_id, getInputsAndOutputs=False)

        def call() -> pb.GetInstanceResponse:
            response: pb.GetInstanceResponse = self._stub.GetInstance(
                request, timeout=self.retry.timeout
            )
            return response

        with self._mapped(f"GetInstance({instance_id!r})", hub_only=False):
            response = retrying(call, self.retry, self._sleep)
        return response.orchestrationState if response.exists else None

    def history(
        self, instance_id: str, execution_id: str | None, *, until_started: bool = False
    ) -> list[pb.HistoryEvent] | None:
        """The events of an execution (the current one without `execution_id`); None when
        the scheduler does not know the instance. `until_started`: stop reading once the
        ExecutionStarted event has arrived (its first chunk, in practice)."""
        request = pb.StreamInstanceHistoryRequest(instanceId=instance_id)
        if execution_id:
            request.executionId.value = execution_id

        def call() -> list[pb.HistoryEvent] | None:
            stream = self._stub.StreamInstanceHistory(request, timeout=self.retry.timeout)
            events: list[pb.HistoryEvent] = []
            try:
                for chunk in stream:
                    events.extend(chunk.events)
                    if until_started and any(e.HasField("executionStarted") for e in events):
                        break
            except grpc.RpcError as exc:
                if status_of(exc) is grpc.StatusCode.NOT_FOUND:
                    return None
                raise
            finally:
                stream.cancel()
            return events

        # NOT_FOUND here names the instance, not the hub: the caller decides.
        with self._mapped(f"StreamInstanceHistory({instance_id!r})", hub_only=False):
            return retrying(call, self.retry, self._sleep)

    def close(self) -> None:
        self._raw.close()
