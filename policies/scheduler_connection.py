"""The two facts the pack needs from a Durable Task Scheduler connection string.

Read as durabletask-dotnet `src/Shared/AzureManaged/DurableTaskSchedulerConnectionString.cs`
reads it: `;`-separated `key=value` pairs, keys in any case; an endpoint without a scheme
is https. (A small local reader: the data-plane parser in taskhub/scheduler/ is meant to
replace it once both are on main.)
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit


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


def parse(value: str) -> SchedulerConnection:
    pairs: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, item = part.partition("=")
        if sep:
            pairs[key.strip().lower()] = item.strip()
    return SchedulerConnection(
        pairs.get("endpoint", ""), pairs.get("authentication", ""), pairs.get("clientid", "")
    )
