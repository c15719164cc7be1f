"""DurableTask.Core's orchestration status names, read from durabletask's own protobuf.

`orchestrator_service.proto` (microsoft/durabletask-protobuf, shipped compiled in the
durabletask package) numbers `OrchestrationStatus` as Core's enum does (RUNNING 0 ...
SUSPENDED 7) and spells each member ORCHESTRATION_STATUS_<NAME>; Core's name, the string
DurableTask.AzureStorage writes, is that NAME in PascalCase (CONTINUED_AS_NEW ->
ContinuedAsNew). Not taken from the code under test, so tests of it can fail.
"""

from __future__ import annotations

from durabletask.internal import orchestrator_service_pb2 as pb

_PREFIX = "ORCHESTRATION_STATUS_"


def core_statuses() -> dict[int, str]:
    """Core's name of each status, by its number."""
    return {
        number: "".join(word.capitalize() for word in name.removeprefix(_PREFIX).split("_"))
        for name, number in pb.OrchestrationStatus.items()
    }
