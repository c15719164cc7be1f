"""The router's pool towards the apps (router/pool.py) against servers that misbehave the
ways real ones do: every answer framing, interim answers, stale keep-alive connections,
answers cut short, stalls, and a header value that would inject a line."""

from __future__ import annotations

import asyncio
import socket
import socketserver
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager

import pytest

from tests.support.checkout import ROOT

sys.path.insert(0, str(ROOT / "apps" / "router"))

from router.pool import HttpPool
from router.upstream import Origin, UpstreamTimeout, UpstreamUnreachable

Script = Callable[[socket.socket, bytes], object]
"""Answers one request (its head and whatever body bytes came with it) on the socket."""


def read_request(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data
        data += chunk
    return data


@contextmanager
def scripted(script: Script, keep_alive: bool = True) -> Iterator[tuple[str, list[bytes]]]:
    """A loopback server running `script` for each request; yields its URL and what it read."""
    seen: list[bytes] = []

    class Handler(socketserver.BaseRequestHandler):
        def handle(self) -> None:
            conn: socket.socket = self.request
            while True:
                request = read_request(conn)
                if not request:
                    return
                seen.append(request)
                script(conn, request)
                if not keep_alive:
                    return

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", seen
    finally:
        server.shutdown()
        server.server_close()


def exchange(
    url: str,
    method: str = "GET",
    headers: list[tuple[str, str]] | None = None,
    body: list[bytes] | None = None,
    times: int = 1,
    timeout: float = 5.0,
) -> list[tuple[int, bytes]]:
    """`times` requests through one pool, one after another: (status, body) of each."""

    async def run() -> list[tuple[int, bytes]]:
        pool = HttpPool(timeout)

        async def chunks(parts: list[bytes]) -> AsyncIterator[bytes]:
            for part in parts:
                yield part

        results = []
        try:
            for _ in range(times):
                answer = await pool.request(
                    method,
                    Origin.of(url),
                    "/api/x?a=1",
                    headers or [],
                    chunks(body) if body is not None else None,
                )
                try:
                    results.append((answer.status, await answer.read()))
                finally:
                    answer.release()
        finally:
            await pool.close()
        return results

    return asyncio.run(run())


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n%s\r\n%s" % (len(body), extra, body)


def test_answers_of_every_framing_come_back_whole() -> None:
    big = bytes(range(256)) * 4096  # 1 MiB, past the read buffer's bound

    def chunked(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n")
        for start in range(0, len(big), 100_000):
            part = big[start : start + 100_000]
            conn.sendall(b"%x\r\n%s\r\n" % (len(part), part))
        conn.sendall(b"0\r\n\r\n")

    with scripted(chunked) as (url, _):
        assert exchange(url, times=2) == [(200, big), (200, big)]

    def until_close(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nuntil the end")
        conn.close()

    with scripted(until_close, keep_alive=False) as (url, _):
        assert exchange(url, times=2) == [(200, b"until the end")] * 2


def test_a_kept_connection_is_reused_and_a_stale_one_retried_once() -> None:
    with scripted(lambda conn, _r: conn.sendall(ok(b"hi"))) as (url, seen):
        assert exchange(url, times=3) == [(200, b"hi")] * 3
    # The app closes each connection after answering, without saying so (a keep-alive
    # timeout): the next request finds the pooled connection dead and goes anew.
    with scripted(lambda conn, _r: conn.sendall(ok(b"hi")), keep_alive=False) as (url, seen):
        assert exchange(url, times=3) == [(200, b"hi")] * 3
        assert len(seen) == 3


def test_head_and_interim_answers_carry_no_body() -> None:
    def head(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 1000\r\n\r\n")

    with scripted(head) as (url, _):
        assert exchange(url, method="HEAD", times=2) == [(200, b"")] * 2

    def interim(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"final"))

    with scripted(interim) as (url, _):
        assert exchange(url, times=2) == [(200, b"final")] * 2

    with scripted(lambda conn, _r: conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")) as (url, _):
        assert exchange(url, times=2) == [(204, b"")] * 2


def test_a_body_goes_as_framed_by_the_caller() -> None:
    def echo(conn: socket.socket, request: bytes) -> None:
        head, _, rest = request.partition(b"\r\n\r\n")
        if b"transfer-encoding: chunked" in head:
            while not rest.endswith(b"0\r\n\r\n"):
                rest += conn.recv(65536)
        else:
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            while len(rest) < length:
                rest += conn.recv(65536)
        conn.sendall(ok(rest))

    with scripted(echo) as (url, seen):
        sized = exchange(url, "POST", [("content-length", "10")], [b"01234", b"56789"])
        assert sized == [(200, b"0123456789")]
        chunked = exchange(url, "POST", [], [b"01234", b"56789"])
        assert chunked == [(200, b"5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n")]
    assert seen[0].startswith(b"POST /api/x?a=1 HTTP/1.1\r\nhost: 127.0.0.1:")
    assert b"transfer-encoding" not in seen[0] and b"transfer-encoding: chunked" in seen[1]


def test_a_line_break_in_a_header_is_never_written() -> None:
    with scripted(lambda conn, _r: conn.sendall(ok(b"hi"))) as (url, seen):
        for name, value in (("x-routed-version", "1.0\r\nx-admin: yes"), ("x-a\nb", "1")):
            with pytest.raises(UpstreamUnreachable, match="line break"):
                exchange(url, headers=[(name, value)])
        with pytest.raises(UpstreamUnreachable, match="cannot carry"):
            exchange(url, headers=[("x-routed-version", "1.0-\u2603")])
    assert seen == []


def test_no_app_a_broken_answer_and_a_stall() -> None:
    with scripted(lambda conn, _r: None) as (url, _):
        port = url.rsplit(":", 1)[1]
    with pytest.raises(UpstreamUnreachable):  # nobody listens there any more
        exchange(f"http://127.0.0.1:{port}")

    garbled = scripted(lambda conn, _r: conn.sendall(b"HTTP/1.1 2x0 OK\r\n\r\n"))
    with garbled as (url, _), pytest.raises(UpstreamUnreachable, match="does not parse"):
        exchange(url)

    def short(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nonly ten b")
        conn.close()

    cut = scripted(short, keep_alive=False)
    with cut as (url, _), pytest.raises(UpstreamUnreachable, match="closed"):
        exchange(url)

    silent = scripted(lambda conn, _r: conn.recv(1))  # reads, never answers
    with silent as (url, _), pytest.raises(UpstreamTimeout):
        exchange(url, timeout=0.5)

    def stalls_mid_body(conn: socket.socket, _request: bytes) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\n\r\nstart")
        conn.recv(1)

    with scripted(stalls_mid_body) as (url, _), pytest.raises(UpstreamTimeout):
        exchange(url, timeout=0.5)
