"""The Durable Task Scheduler (DTS) backend: a task hub read over gRPC.

DTS serves the `TaskHubSidecarService` of microsoft/durabletask-protobuf
(`protos/orchestrator_service.proto`); the generated stubs come with PyPI `durabletask`
(`durabletask.internal.orchestrator_service_pb2*`, private, so pinned to a range). Only this
package imports grpc and those stubs (an import contract keeps it so): the stages read a
hub through `taskhub.instance_source.InstanceSource` and never learn which backend answered.

Modules, one job each:
- `connection_string`: the `Endpoint=...;Authentication=...` string, parsed as the .NET SDK
  parses it, and the shape test that tells it from a storage connection string;
- `credentials`: the azure-identity credential each `Authentication` value names;
- `call_metadata`: the `taskhub` and `authorization` metadata on every call, tokens
  refreshed before they expire;
- `grpc_errors`: gRPC status codes mapped to the toolkit's errors, and the retry loop;
- `client`: one channel to one task hub, every call bounded, retried and mapped;
- `states`: an `OrchestrationState` as the `InstanceRecord` every stage reads;
- `history_events`, `numbering`: protobuf history events as the JSON history the
  azure-functions-durable SDK replays;
- `source`: the `InstanceSource` over all of that, and `open_scheduler_source`.
"""
