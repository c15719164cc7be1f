"""Helper servers as child processes: uvicorn apps and other HTTP servers on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from standins.azurite import free_port


def wait_until_answering(url: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f}s")


@contextmanager
def http_process(
    cmd: list[str], url: str, cwd: Path, env: dict[str, str] | None = None
) -> Iterator[str]:
    """Runs `cmd` until the block ends; yields `url` once it answers."""
    process = subprocess.Popen(
        cmd,
        cwd=cwd,
        env={**os.environ, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_until_answering(url)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@contextmanager
def uvicorn_app(
    app: str,
    cwd: Path,
    env: dict[str, str] | None = None,
    port: int | None = None,
    options: tuple[str, ...] = (),
) -> Iterator[str]:
    """`app` ("module:attr", importable from `cwd`) under uvicorn on loopback (`port`, or a
    free one); `options` are more uvicorn options."""
    port = port or free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--log-level",
        "warning",
        "--no-access-log",
        *options,
    ]
    with http_process(cmd, f"http://127.0.0.1:{port}", cwd, env) as url:
        yield url


@contextmanager
def serve_in_thread(
    app: Any, tls: tuple[Path, Path] | None = None, port: int | None = None, **options: Any
) -> Iterator[str]:
    """Runs `app` under uvicorn on 127.0.0.1 in this process; yields its base URL.

    In-process, so a test or the rehearsal can flip the app's state (fault switches) while
    a child process talks to it. `tls` is (certificate, key) for an https:// server; `port`
    one chosen beforehand (an app that must know its own URL), else a free one; `options`
    are more uvicorn.Config arguments (`http="h11"`).
    """
    port = port or free_port()
    certfile, keyfile = tls if tls else (None, None)
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            host="127.0.0.1",
            port=port,
            log_level="warning",
            lifespan="on",
            ssl_certfile=certfile,
            ssl_keyfile=keyfile,
            **options,
        )
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
