"""The two facts the pack needs from a Durable Task Scheduler connection string.

Read as durabletask-dotnet `src/Shared/AzureManaged/DurableTaskSchedulerConnectionString.cs`
reads it (the pairs come from the data plane's own reader, `taskhub.scheduler.
connection_string.parse_pairs`); an endpoint without a scheme is https. The pack reads leniently:
a string the data plane would refuse still names its endpoint and authentication, which is
what the rules judge.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from taskhub.scheduler.connection_string import parse_pairs


@dataclass(frozen=True)
class SchedulerConnection:
    endpoint: str
    authentication: str
    client_id: str
    """A user-assigned identity's client id; empty for the system identity."""

    @property
    def scheme(self) -> str:
        return urlsplit(self.endpoint).scheme.lower() if "://" in self.endpoint else "https"

    @property
    def address(self) -> str:
        """Host and port, lower-case: which scheduler this is."""
        parts = urlsplit(self.endpoint if "://" in self.endpoint else f"https://{self.endpoint}")
        return parts.netloc.lower()


def parse(value: str) -> SchedulerConnection | None:
    """The connection `value` names; None when it cannot be read as a connection string."""
    try:
        pairs = parse_pairs(value)
    except ValueError:
        return None
    return SchedulerConnection(
        pairs.get("endpoint", ""), pairs.get("authentication", ""), pairs.get("clientid", "")
    )
