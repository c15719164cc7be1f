"""The router's client towards the version apps: keep-alive HTTP/1.1 connections, per
host, each read by httptools' response parser (llhttp, the parser uvicorn itself uses).

Why not aiohttp (the router's pool until bench/router.py was profiled): a request through
its ClientSession cost 80-115 us of CPU here against 27 us for one written on a pooled
connection and parsed by httptools, and at 32 connections the router spent a third of its
time in it. The router needs little of what a general client does: no redirects, no
cookies (a proxy must keep none: one caller's Set-Cookie is never another's Cookie), no
decompression, no proxies, no auth. What it does need is here, each case tested in
tests/apps/test_router.py and tests/apps/test_pool.py:
- framing: a body with the caller's Content-Length is sent as it comes, one the caller
  sent chunked is sent chunked; answers framed by Content-Length, chunked or the end of the
  connection; HEAD answers and 1xx interim answers carry no body;
- no header injection: a name or value holding CR, LF or NUL (a route row's version, say)
  is never written (502);
- a stale keep-alive connection (the app closed it while idle) is retried once on a new
  one when nothing was answered and the request had no body;
- one deadline for the whole exchange (504), connect errors and a connection lost before
  the answer (502), an answer cut short (the relay ends and the caller's connection with
  it);
- backpressure both ways: writing pauses while the app's socket is full, reading pauses
  while more than `MAX_BUFFERED` bytes of the answer wait for the caller.
"""

from __future__ import annotations

import asyncio
import re
import ssl
from collections import deque
from collections.abc import AsyncIterator

import httptools

from router.upstream import Origin, UpstreamTimeout, UpstreamUnreachable

MAX_BUFFERED = 256 * 1024
IDLE_SECONDS = 30.0
MAX_IDLE_PER_HOST = 512
_UNSAFE = re.compile(r"[\r\n\0]")


class _Connection(asyncio.Protocol):
    """One connection to an app: one exchange at a time."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.closed = False
        self.idle_since = 0.0
        self._writable: asyncio.Future[None] | None = None
        self._reset()

    def _reset(self) -> None:
        self.parser = httptools.HttpResponseParser(self)
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.head: asyncio.Future[None] = self.loop.create_future()
        self.chunks: deque[bytes] = deque()
        self.buffered = 0
        self.complete = False
        self.received = False
        self.error: BaseException | None = None
        self.waiter: asyncio.Future[None] | None = None
        self.head_only = False
        self.keep_alive = False
        self.deadline: asyncio.TimerHandle | None = None

    # asyncio.Protocol
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports are not asyncio.Transport subclasses; they do all it does.
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.received = True
        try:
            self.parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(UpstreamUnreachable("the app switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(UpstreamUnreachable(f"the app's answer does not parse: {exc}"))

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.head.done() and not self.complete and not self._framed():
            self._done()  # an answer delimited by the end of the connection
        else:
            self._fail(UpstreamUnreachable("the app closed the connection"))
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)

    def pause_writing(self) -> None:
        self._writable = self.loop.create_future()

    def resume_writing(self) -> None:
        if self._writable is not None and not self._writable.done():
            self._writable.set_result(None)
        self._writable = None

    # httptools callbacks
    def on_header(self, name: bytes, value: bytes) -> None:
        self.headers.append((name, value))

    def on_headers_complete(self) -> None:
        status = self.parser.get_status_code()
        if 100 <= status < 200:
            self.headers = []  # an interim answer: the real one follows
            return
        self.status = status
        if not self.head.done():
            self.head.set_result(None)
        if self.head_only:
            self._done()

    def on_body(self, body: bytes) -> None:
        self.chunks.append(body)
        self.buffered += len(body)
        if self.buffered > MAX_BUFFERED and self.transport is not None:
            self.transport.pause_reading()
        self._wake()

    def on_message_complete(self) -> None:
        if self.status and not self.complete:
            # Asked here: llhttp answers it only while the message is being completed.
            self.keep_alive = self.parser.should_keep_alive()
            self._done()

    # the exchange
    def _framed(self) -> bool:
        names = {name.lower() for name, _ in self.headers}
        return b"content-length" in names or b"transfer-encoding" in names

    def _done(self) -> None:
        self.complete = True
        self._wake()

    def _fail(self, error: BaseException) -> None:
        if self.complete or self.error is not None:
            return
        self.error = error
        if not self.head.done():
            self.head.set_exception(error)
            self.head.exception()  # retrieved: a caller may be gone
        self._wake()
        self.close()

    def _wake(self) -> None:
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_result(None)

    def start(self, deadline: float) -> None:
        """One timer for the whole exchange: past it, whoever waits gets UpstreamTimeout."""
        self.deadline = self.loop.call_at(deadline, self._fail, UpstreamTimeout())

    def stop(self) -> None:
        if self.deadline is not None:
            self.deadline.cancel()
            self.deadline = None

    async def writable(self) -> None:
        if self._writable is not None:
            await self._writable

    def reusable(self) -> bool:
        return (
            self.complete
            and self.error is None
            and not self.closed
            and not self.head_only
            and self.keep_alive
        )

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class PooledAnswer:
    """The app's answer: status and headers now, the body as it arrives."""

    def __init__(self, pool: HttpPool, origin: Origin, connection: _Connection):
        self._pool, self._origin, self._connection = pool, origin, connection
        self._released = False

    @property
    def status(self) -> int:
        return self._connection.status

    @property
    def raw_headers(self) -> tuple[tuple[bytes, bytes], ...]:
        return tuple(self._connection.headers)

    async def chunks(self) -> AsyncIterator[bytes]:
        connection = self._connection
        while True:
            while connection.chunks:
                chunk = connection.chunks.popleft()
                connection.buffered -= len(chunk)
                if connection.buffered <= MAX_BUFFERED and connection.transport is not None:
                    connection.transport.resume_reading()
                yield chunk
            if connection.error is not None:
                raise connection.error
            if connection.complete:
                return
            connection.waiter = connection.loop.create_future()
            await connection.waiter

    async def read(self) -> bytes:
        return b"".join([chunk async for chunk in self.chunks()])

    def release(self) -> None:
        if self._released:
            return
        self._released = True
        self._pool.release(self._origin, self._connection)


class HttpPool:
    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._idle: dict[Origin, deque[_Connection]] = {}
        self._busy: set[_Connection] = set()
        self._tls: ssl.SSLContext | None = None

    async def request(
        self,
        method: str,
        origin: Origin,
        target: str,
        headers: list[tuple[str, str]],
        body: AsyncIterator[bytes] | None,
    ) -> PooledAnswer:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._timeout
        head, chunked = _head(method, origin, target, headers, body is not None)
        for attempt in (1, 2):
            connection, reused = await self._acquire(origin, deadline)
            connection.head_only = method == "HEAD"
            connection.start(deadline)
            self._busy.add(connection)
            try:
                await _send(connection, head, body, chunked)
                await connection.head
            except UpstreamUnreachable:
                self._busy.discard(connection)
                connection.stop()
                connection.close()
                # A kept-alive connection the app closed while it was idle: once, anew.
                if attempt == 1 and reused and body is None and not connection.received:
                    continue
                raise
            except BaseException:
                self._busy.discard(connection)
                connection.stop()
                connection.close()
                raise
            return PooledAnswer(self, origin, connection)
        raise AssertionError("unreachable")  # pragma: no cover

    async def _acquire(self, origin: Origin, deadline: float) -> tuple[_Connection, bool]:
        loop = asyncio.get_running_loop()
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            if connection.closed or loop.time() - connection.idle_since > IDLE_SECONDS:
                connection.close()
                continue
            connection._reset()
            return connection, True
        tls = self._context() if origin.scheme == "https" else None
        try:
            async with asyncio.timeout_at(deadline):
                _, connection = await loop.create_connection(
                    lambda: _Connection(loop), origin.host, origin.port, ssl=tls
                )
        except TimeoutError as exc:
            raise UpstreamTimeout from exc
        except OSError as exc:
            raise UpstreamUnreachable(str(exc)) from exc
        return connection, False

    def _context(self) -> ssl.SSLContext:
        if self._tls is None:
            self._tls = ssl.create_default_context()
        return self._tls

    def release(self, origin: Origin, connection: _Connection) -> None:
        connection.stop()
        self._busy.discard(connection)
        idle = self._idle.setdefault(origin, deque())
        if connection.reusable() and len(idle) < MAX_IDLE_PER_HOST:
            connection.idle_since = connection.loop.time()
            idle.append(connection)
        else:
            connection.close()

    async def close(self) -> None:
        for idle in self._idle.values():
            for connection in idle:
                connection.close()
        for connection in self._busy:
            connection.close()
        self._idle.clear()
        self._busy.clear()


def _head(
    method: str, origin: Origin, target: str, headers: list[tuple[str, str]], has_body: bool
) -> tuple[bytes, bool]:
    """The request line and headers; chunked when a body comes without a Content-Length."""
    lines = [f"{method} {target} HTTP/1.1\r\nhost: {origin.authority}\r\n"]
    has_length = False
    for name, value in headers:
        if _UNSAFE.search(name) or _UNSAFE.search(value):
            raise UpstreamUnreachable(f"header {name!r} holds a line break: not sent")
        has_length = has_length or name == "content-length"
        lines.append(f"{name}: {value}\r\n")
    chunked = has_body and not has_length
    if chunked:
        lines.append("transfer-encoding: chunked\r\n")
    lines.append("\r\n")
    try:
        return "".join(lines).encode("latin-1"), chunked
    except UnicodeEncodeError:
        raise UpstreamUnreachable("a header holds a character HTTP cannot carry") from None


async def _send(
    connection: _Connection, head: bytes, body: AsyncIterator[bytes] | None, chunked: bool
) -> None:
    transport = connection.transport
    assert transport is not None
    transport.write(head)
    if body is None:
        return
    async for chunk in body:
        if connection.closed:
            raise UpstreamUnreachable("the app closed the connection")
        transport.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if chunked else chunk)
        await connection.writable()
    if chunked:
        transport.write(b"0\r\n\r\n")
