"""A bounded LRU cache of instance id -> owning hub in front of the Instances-table read.

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
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

OwnerLookup = Callable[[str], Awaitable[str | None]]


class OwnerCache:
    def __init__(
        self,
        lookup: OwnerLookup,
        *,
        size: int = 100_000,
        negative_ttl: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._lookup, self._size, self._ttl, self._clock = lookup, size, negative_ttl, clock
        self._entries: OrderedDict[str, tuple[str | None, float]] = OrderedDict()

    async def __call__(self, instance_id: str) -> str | None:
        entry = self._entries.get(instance_id)
        if entry is not None and self._clock() < entry[1]:
            self._entries.move_to_end(instance_id)
            return entry[0]
        hub = await self._lookup(instance_id)
        expires = math.inf if hub is not None else self._clock() + self._ttl
        self._entries[instance_id] = (hub, expires)
        self._entries.move_to_end(instance_id)
        while len(self._entries) > self._size:
            self._entries.popitem(last=False)
        return hub

    def __len__(self) -> int:
        return len(self._entries)
