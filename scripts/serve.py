"""Helper servers as child processes: uvicorn apps and other HTTP servers on loopback."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from scripts.azurite import free_port


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
def uvicorn_app(app: str, cwd: Path, env: dict[str, str] | None = None) -> Iterator[str]:
    """`app` ("module:attr", importable from `cwd`) under uvicorn on a free loopback port."""
    port = free_port()
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
    ]
    with http_process(cmd, f"http://127.0.0.1:{port}", cwd, env) as url:
        yield url
