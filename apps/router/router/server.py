"""Serving the router in a container: uvicorn (httptools, uvloop) with the limits it lacks.

Under Azure Functions the host parses HTTP and enforces its own limits; in a container
uvicorn faces the clients itself, and out of the box it has
- no time limit for a request's headers: a client that sends one header byte a minute
  holds a connection and its memory forever (slowloris); `timeout_keep_alive` only runs
  between requests;
- with httptools, no limit on the headers' size or count (h11 stops at 16 KiB; llhttp has
  no limit of its own);
- no limit on concurrent connections and requests (`limit_concurrency`, off by default).

So `python -m router` runs uvicorn with `BoundedHttpToolsProtocol`: the request line and
headers must arrive within `HEADER_TIMEOUT` seconds of the request's first byte (or of the
connection, for the first request), else 408 and the connection closes; more than
`MAX_HEADERS` header fields or `MAX_HEADER_BYTES` of request line and headers is 431 (the
Functions host's Kestrel allows 100 fields and 32 KiB). `LIMIT_CONCURRENCY` connections
and requests at once, beyond which uvicorn answers 503. Proxy headers are off: the router
trusts no `X-Forwarded-For` from whoever connects.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from router.incoming import MAX_HEADERS

HEADER_TIMEOUT = 10.0
MAX_HEADER_BYTES = 32 * 1024
LIMIT_CONCURRENCY = 2048
KEEP_ALIVE = 5


class HeaderLimitExceeded(Exception):
    """Raised inside a parser callback: httptools then stops parsing this connection."""


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    header_timeout = HEADER_TIMEOUT

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_timer: asyncio.TimerHandle | None = None
        self._header_bytes = 0
        self._header_count = 0
        self._refusal: bytes | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._header_bytes = self._header_count = 0
        self._arm()

    def on_url(self, url: bytes) -> None:
        self._charge(len(url))
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._header_count += 1
        if self._header_count > MAX_HEADERS:
            self._refuse(f"more than {MAX_HEADERS} header fields")
        self._charge(len(name) + len(value) + 4)
        super().on_header(name, value)

    def on_headers_complete(self) -> None:
        self._disarm()
        super().on_headers_complete()

    def send_400_response(self, msg: str) -> None:
        if self._refusal is None:
            super().send_400_response(msg)
            return
        self.transport.write(self._refusal)
        self.transport.close()

    def _charge(self, size: int) -> None:
        self._header_bytes += size
        if self._header_bytes > MAX_HEADER_BYTES:
            self._refuse(f"request line and headers over {MAX_HEADER_BYTES} bytes")

    def _refuse(self, why: str) -> None:
        self._refusal = _answer(431, "Request Header Fields Too Large", why)
        raise HeaderLimitExceeded(why)

    def _arm(self) -> None:
        self._disarm()
        self._header_timer = self.loop.call_later(self.header_timeout, self._headers_late)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _headers_late(self) -> None:
        self._header_timer = None
        if not self.transport.is_closing():
            why = f"the request's headers took over {self.header_timeout:g} s"
            self.transport.write(_answer(408, "Request Timeout", why))
            self.transport.close()


def _answer(status: int, reason: str, why: str) -> bytes:
    body = why.encode()
    return (
        f"HTTP/1.1 {status} {reason}\r\ncontent-type: text/plain; charset=utf-8\r\n"
        f"content-length: {len(body)}\r\nconnection: close\r\n\r\n"
    ).encode() + body


def server_options() -> dict[str, Any]:
    """uvicorn.Config arguments for a router facing clients itself."""
    return {
        "http": BoundedHttpToolsProtocol,
        "loop": "uvloop",
        "limit_concurrency": LIMIT_CONCURRENCY,
        "timeout_keep_alive": KEEP_ALIVE,
        "proxy_headers": False,
        "server_header": False,
    }
