"""The router's parts in process: the owner cache's budget and coalescing, allowed hosts,
the access log."""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import sys
import time
import tracemalloc
from collections.abc import Iterator
from urllib.parse import urlsplit

import httpx
import pytest

from taskhub.routes import Route, RouteTable
from tests.support.checkout import ROOT
from tests.support.servers import as_json, echo_backend, serve

sys.path.insert(0, str(ROOT / "apps" / "router"))

from router.access_log import ACCESS_LOGGER, redact_access_log
from router.app import Router, create_app
from router.hosts import AllowedHosts
from router.owners import OwnerCache
from router.routing import OwnerUnavailable
from router.server import BoundedHttpToolsProtocol, server_options

LONG_IDS = 3000


def test_the_owner_cache_holds_its_byte_budget_whatever_the_ids() -> None:
    """Ids are the callers' choice: 3,000 ids of 256 characters must not cost more than the
    budget. The memory is measured (tracemalloc), not taken from the cache's own count."""
    budget = 128 * 1024

    async def hub(instance_id: str) -> str:
        return "OrdersV10"

    async def fill() -> OwnerCache:
        cache = OwnerCache(hub, max_bytes=budget)
        for n in range(LONG_IDS):
            await cache(f"{n:08d}".ljust(256, "x"))
        return cache

    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.take_snapshot()
        cache = asyncio.run(fill())
        gc.collect()
        held = sum(s.size_diff for s in tracemalloc.take_snapshot().compare_to(before, "filename"))
    finally:
        tracemalloc.stop()
    assert cache.bytes <= budget
    assert 0 < len(cache) < LONG_IDS
    assert held <= budget * 1.25, (
        held,
        cache.bytes,
        len(cache),
    )  # the charge per entry covers what Python holds


def test_one_read_for_many_waiters_and_an_outage_reaches_them_all() -> None:
    reads: list[str] = []
    answer: dict[str, str | Exception] = {"known": "OrdersV10", "down": OwnerUnavailable("x")}

    async def lookup(instance_id: str) -> str | None:
        reads.append(instance_id)
        await asyncio.sleep(0.05)
        result = answer.get(instance_id)
        if isinstance(result, Exception):
            raise result
        return result

    async def burst() -> list[object]:
        cache = OwnerCache(lookup)
        first = await asyncio.gather(
            *(cache(i) for i in ["known", "nobody", "down"] * 100), return_exceptions=True
        )
        # An outage is never remembered: the next request reads again.
        again = await asyncio.gather(cache("down"), return_exceptions=True)
        return [*first, *again]

    results = asyncio.run(burst())
    assert sorted(reads) == ["down", "down", "known", "nobody"]
    assert results[:3] == ["OrdersV10", None, results[2]]
    assert all(isinstance(r, OwnerUnavailable) for r in results[2::3])


def test_a_waiter_that_goes_away_does_not_cancel_the_read_of_the_others() -> None:
    async def lookup(instance_id: str) -> str:
        await asyncio.sleep(0.05)
        return "OrdersV10"

    async def run() -> str | None:
        cache = OwnerCache(lookup)
        leaving = asyncio.ensure_future(cache("i-1"))
        staying = asyncio.ensure_future(cache("i-1"))
        await asyncio.sleep(0)
        leaving.cancel()
        hub: str | None = await staying
        return hub

    assert asyncio.run(run()) == "OrdersV10"


@pytest.mark.parametrize(
    ("base_url", "allowed"),
    [
        ("https://orders-v1-0.azurewebsites.net", True),
        ("https://orders-v1-0-staging.azurewebsites.net/api", True),
        ("https://orders.privatelink.azurewebsites.net", True),
        ("https://orders.azurewebsites.us", True),  # Azure Government
        ("https://orders.chinacloudsites.cn", True),  # Azure operated by 21Vianet
        ("https://ORDERS.AzureWebsites.NET.", True),
        ("http://orders-v1-0.azurewebsites.net", False),  # keys never travel in clear
        ("https://azurewebsites.net", False),  # the domain itself is no app
        ("https://orders.azurewebsites.net.evil.example", False),
        ("https://evilazurewebsites.net", False),
        ("https://127.0.0.1:8080", False),
        ("https://orders.example.com", False),
        ("https://orders.azurewebsites.net:99999", False),  # no port at all
    ],
)
def test_the_default_allows_the_function_app_domains_of_each_cloud(
    base_url: str, allowed: bool
) -> None:
    assert AllowedHosts().allows(base_url) is allowed


def test_an_explicit_list_replaces_the_default() -> None:
    hosts = AllowedHosts.from_setting("orders.example.com, http://127.0.0.1, *.internal.corp")
    assert hosts.allows("https://orders.example.com/api")
    assert hosts.allows("http://127.0.0.1:7071")
    assert hosts.allows("https://127.0.0.1:7071")
    assert hosts.allows("https://a.internal.corp")
    assert not hosts.allows("http://orders.example.com")
    assert not hosts.allows("https://orders-v1-0.azurewebsites.net")
    assert not hosts.allows("https://internal.corp")
    for bad in ("*", "https://x.example/path", "x.example:443", " , "):
        with pytest.raises(ValueError, match="RouterAllowedHosts"):
            AllowedHosts.from_setting(bad) if bad.strip(" ,") else AllowedHosts([" "])


def test_the_access_log_never_shows_a_function_key(caplog: pytest.LogCaptureFixture) -> None:
    redact_access_log()
    redact_access_log()  # idempotent: one filter
    logger = logging.getLogger(ACCESS_LOGGER)
    with caplog.at_level(logging.INFO, logger=ACCESS_LOGGER):
        # uvicorn's own call: '%s - "%s %s HTTP/%s" %d' with the target as one argument
        logger.info(
            '%s - "%s %s HTTP/%s" %d',
            "10.0.0.1:5000",
            "GET",
            "/runtime/webhooks/durabletask/instances/i-1?taskHub=H&connection=Storage"
            "&code=SYSTEMKEY==&CODE=other",
            "1.1",
            202,
        )
    assert "SYSTEMKEY" not in caplog.text and "other" not in caplog.text
    assert "taskHub=H&connection=Storage&code=***&CODE=***" in caplog.text


def one_version_router(backend: str, allowed: str) -> Router:
    """A router whose one (current) version is `backend`; no instance has an owner."""
    table = RouteTable.of([Route("1.0", "a", backend, "1.0.0", "H", current=True)])

    async def no_owner(_instance_id: str) -> None:
        return None

    return create_app(
        lambda: table,
        no_owner,
        public_url="https://router.example",
        allowed_hosts=AllowedHosts([allowed]),
    )


def test_a_cookie_one_caller_received_is_never_sent_for_another() -> None:
    """A proxy keeps no cookie jar: the app's Set-Cookie goes to its caller only. (Served
    by name: a client's default jar refuses cookies for bare IP addresses.)"""
    with serve(echo_backend("v10")) as backend:
        by_name = backend.replace("127.0.0.1", "localhost")
        with serve(one_version_router(by_name, "http://localhost")) as router:
            first = httpx.get(router + "/api/orders", timeout=10)
            assert first.headers["set-cookie"] == "a=1"
            second = httpx.get(router + "/api/orders", timeout=10)
    assert "cookie" not in as_json(second.text)["headers"]


class QuickHeaders(BoundedHttpToolsProtocol):  # type: ignore[misc]
    header_timeout = 0.5


@pytest.fixture(scope="module")
def bounded() -> Iterator[str]:
    """The router as `python -m router` serves it (router/server.py), headers due in 0.5 s."""
    with serve(echo_backend("v10")) as backend:
        app = one_version_router(backend, "http://127.0.0.1")
        with serve(app, **{**server_options(), "http": QuickHeaders}) as url:
            yield url


def exchange(url: str, request: bytes, pause: float = 0.0) -> tuple[bytes, float]:
    """Sends `request`, waits `pause`, reads until the server closes; (reply, seconds)."""
    where = urlsplit(url)
    started = time.monotonic()
    with socket.create_connection((where.hostname, where.port), timeout=10) as raw:
        raw.sendall(request)
        time.sleep(pause)
        reply = b""
        while chunk := raw.recv(65536):
            reply += chunk
    return reply, time.monotonic() - started


def test_headers_that_never_finish_are_408_after_the_header_timeout(bounded: str) -> None:
    reply, took = exchange(bounded, b"GET /api/orders HTTP/1.1\r\nHost: r\r\nx-slow: 1")
    assert reply.startswith(b"HTTP/1.1 408"), reply
    assert 0.4 < took < 5
    idle, took = exchange(bounded, b"")  # a connection that never sends a byte
    assert idle.startswith(b"HTTP/1.1 408") and took < 5


def test_a_request_within_the_limits_is_served(bounded: str) -> None:
    headers = b"".join(b"x-h%d: v\r\n" % n for n in range(90))
    reply, _ = exchange(
        bounded, b"GET /api/orders HTTP/1.1\r\nHost: r\r\n" + headers + b"Connection: close\r\n\r\n"
    )
    assert reply.startswith(b"HTTP/1.1 200") and b'"backend":"v10"' in reply


@pytest.mark.parametrize(
    "headers",
    [
        b"".join(b"x-h%d: v\r\n" % n for n in range(101)),  # more fields than 100
        b"x-big: " + b"a" * (33 * 1024) + b"\r\n",  # more bytes than 32 KiB
    ],
)
def test_headers_over_the_limits_are_431_before_the_app(bounded: str, headers: bytes) -> None:
    reply, _ = exchange(bounded, b"GET /api/orders HTTP/1.1\r\nHost: r\r\n" + headers + b"\r\n")
    assert reply.startswith(b"HTTP/1.1 431"), reply[:100]
    assert b"backend" not in reply
