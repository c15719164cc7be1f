"""What the router needs of its client towards the version apps (pool.py is the one it
uses; bench/router_inprocess.py puts an in-memory one in its place)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Origin:
    """Where a route's app is: what a connection is opened to, and its Host header."""

    scheme: str
    host: str
    port: int
    authority: str
    """The Host header: the host (in brackets when IPv6) and the port when one is given."""
    prefix: str
    """The base URL's path, without a trailing slash: it goes before every path."""

    @classmethod
    def of(cls, base_url: str) -> Origin:
        parts = urlsplit(base_url)
        host = parts.hostname or ""
        port = parts.port or (443 if parts.scheme == "https" else 80)
        authority = f"[{host}]" if ":" in host else host
        if parts.port is not None:
            authority += f":{parts.port}"
        return cls(parts.scheme, host, port, authority, parts.path.rstrip("/"))


class Answer(Protocol):
    """The app's answer: status and headers, then the body as it arrives."""

    @property
    def status(self) -> int: ...

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]: ...

    def chunks(self) -> AsyncIterator[bytes]: ...

    async def read(self) -> bytes: ...

    def release(self) -> None:
        """Gives the connection back (or closes it when the answer was not read whole)."""


class Upstream(Protocol):
    async def request(
        self,
        method: str,
        origin: Origin,
        target: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> Answer:
        """`target`: the request target (path and query) as it is written on the wire."""

    async def close(self) -> None: ...


class UpstreamTimeout(Exception):
    """The version's app did not answer in time (504)."""


class UpstreamUnreachable(Exception):
    """The version's app could not be reached, or its answer broke off (502)."""
