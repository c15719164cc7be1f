"""The router's client towards the version apps: one pooled aiohttp session.

aiohttp, not httpx: at 32 concurrent requests httpx's pool served a tenth of what one
connection did (bench/router.py). The session is opened on the server's own loop by the
first request, so the same app object runs under uvicorn and under the Functions worker.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any, Protocol

import aiohttp
from yarl import URL

POOL: dict[str, Any] = {"limit": 1000, "limit_per_host": 0, "keepalive_timeout": 30.0}
"""Many concurrent clients share a few app hosts: keep plenty of connections to each warm."""


class Answer(Protocol):
    """What the router relays: aiohttp's ClientResponse is one."""

    @property
    def status(self) -> int: ...

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]: ...

    async def read(self) -> bytes: ...

    def release(self) -> Any: ...

    @property
    def content(self) -> Any: ...


class Upstream(Protocol):
    async def request(
        self,
        method: str,
        url: URL,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> Answer: ...

    async def close(self) -> None: ...


class UpstreamTimeout(Exception):
    """The version's app did not answer in time (504)."""


class UpstreamUnreachable(Exception):
    """The version's app could not be reached (502)."""


class AiohttpUpstream:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    def _open(self) -> aiohttp.ClientSession:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(**POOL),
            # A proxy keeps no cookies: one caller's Set-Cookie is never another's Cookie.
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=self._timeout),
            auto_decompress=False,  # bodies pass through as the app sent them
            skip_auto_headers=("User-Agent", "Accept", "Accept-Encoding"),
        )
        return self._session

    async def request(
        self,
        method: str,
        url: URL,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> Answer:
        session = self._session or self._open()
        try:
            return await session.request(
                method, url, headers=headers, data=body, allow_redirects=False
            )
        except TimeoutError as exc:
            raise UpstreamTimeout from exc
        except aiohttp.ClientError as exc:
            raise UpstreamUnreachable from exc

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
