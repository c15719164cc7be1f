"""Instance id -> owning hub, remembered within a byte budget, read once however many ask.

Why a positive answer may be kept for good: an instance's row names the hub that created
it and DurableTask never moves an instance to another hub, so the route it maps to can
only change by the route table (retirement), which is consulted on every request. The one
way to break that is purging an instance and starting a new one under the same id in
another version's hub; the LRU bound (and a router restart) is what ends such an entry.

Why a negative answer is kept only `negative_ttl` seconds: "no such instance" turns false
the moment the instance is started. A cached miss never sends a request to a wrong
version (a miss is answered 404, nothing is forwarded); it can only make a status query
that raced ahead of its own start see 404 for at most `negative_ttl` seconds. A store
outage is never cached: every request retries the read.

Why lookups are coalesced: a burst of requests about one instance the router has not seen
(a client polling its status, many events raised at once) would otherwise each read the
table; the first one reads and every request that arrives while that read is in flight
waits for its answer, a store outage included. One read per unknown id is the floor.

Why the bound is in bytes: ids are chosen by callers (up to `MAX_INSTANCE_ID_LENGTH`
characters), so a count bound lets long ids multiply the memory an entry costs. Each
entry is charged its id's and hub's sizes as Python holds them plus a fixed overhead for
the dict slot, the list node and the tuple (measured with tracemalloc in
tests/apps/test_owner_cache.py).
"""

from __future__ import annotations

import asyncio
import math
import sys
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

OwnerLookup = Callable[[str], Awaitable[str | None]]
ENTRY_OVERHEAD = 240
"""Bytes an entry costs beyond its two strings: OrderedDict slot and link, the tuple."""
DEFAULT_CACHE_BYTES = 64 * 1024 * 1024


def entry_bytes(instance_id: str, hub: str | None) -> int:
    return ENTRY_OVERHEAD + sys.getsizeof(instance_id) + (sys.getsizeof(hub) if hub else 0)


class OwnerCache:
    def __init__(
        self,
        lookup: OwnerLookup,
        *,
        max_bytes: int = DEFAULT_CACHE_BYTES,
        negative_ttl: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup, self._max_bytes, self._ttl, self._clock = (
            lookup,
            max_bytes,
            negative_ttl,
            clock,
        )
        self._entries: OrderedDict[str, tuple[str | None, float, int]] = OrderedDict()
        self._pending: dict[str, asyncio.Future[str | None]] = {}
        """The read in flight for each id being looked up."""
        self.bytes = 0
        """What the entries are charged, always <= max_bytes."""

    async def __call__(self, instance_id: str) -> str | None:
        entry = self._entries.get(instance_id)
        if entry is not None and self._clock() < entry[1]:
            self._entries.move_to_end(instance_id)
            return entry[0]
        read = self._pending.get(instance_id)
        if read is None:
            read = asyncio.ensure_future(self._read(instance_id))
            read.add_done_callback(_retrieved)
            self._pending[instance_id] = read
        # Shielded: a caller that goes away does not cancel the read the others wait for.
        return await asyncio.shield(read)

    async def _read(self, instance_id: str) -> str | None:
        try:
            hub = await self._lookup(instance_id)
        finally:
            del self._pending[instance_id]
        self._remember(instance_id, hub)
        return hub

    def _remember(self, instance_id: str, hub: str | None) -> None:
        cost = entry_bytes(instance_id, hub)
        old = self._entries.pop(instance_id, None)
        if old is not None:
            self.bytes -= old[2]
        if cost > self._max_bytes:
            return
        expires = math.inf if hub is not None else self._clock() + self._ttl
        self._entries[instance_id] = (hub, expires, cost)
        self.bytes += cost
        while self.bytes > self._max_bytes:
            _, (_, _, evicted) = self._entries.popitem(last=False)
            self.bytes -= evicted

    def __len__(self) -> int:
        return len(self._entries)


def _retrieved(read: asyncio.Future[str | None]) -> None:
    """Marks an outage seen even when every request that waited on it went away."""
    if not read.cancelled():
        read.exception()
