"""A stand-in for network distance: a loopback TCP proxy that holds every client-to-server
chunk for a fixed delay, run as its own process.

Azurite answers on loopback in about a millisecond; a storage account answers a pipeline
agent in tens. Benchmarks put this proxy in front of Azurite to measure what concurrent
reads buy at a realistic round trip, next to the loopback figure, both in one run. Its own
process, so its event loop never competes with the measured code for the GIL.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from typing import Self

from scripts.stages.process import ManagedProcess
from standins import CHECKOUT
from standins.azurite import HOST, _listening, free_port


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter, delay: float) -> None:
    try:
        while chunk := await reader.read(65536):
            if delay:
                await asyncio.sleep(delay)
            writer.write(chunk)
            await writer.drain()
    except ConnectionError:
        pass
    finally:
        writer.close()


async def _serve(port: int, upstream: int, delay: float) -> None:
    async def handle(client_r: asyncio.StreamReader, client_w: asyncio.StreamWriter) -> None:
        server_r, server_w = await asyncio.open_connection(HOST, upstream)
        await asyncio.gather(_pipe(client_r, server_w, delay), _pipe(server_r, client_w, 0))

    server = await asyncio.start_server(handle, HOST, port)
    async with server:
        await server.serve_forever()


class LatencyProxy(ManagedProcess):
    """`with LatencyProxy(azurite.table_port, 20) as proxy:` then connect to `proxy.port`."""

    def __init__(self, upstream: int, delay_ms: float) -> None:
        super().__init__()
        self.upstream = upstream
        self.delay_ms = delay_ms
        self.port = 0

    def start(self) -> Self:
        self.port = free_port()
        module = [sys.executable, "-m", __name__]
        command = [*module, str(self.port), str(self.upstream), str(self.delay_ms)]
        self._process = subprocess.Popen(command, cwd=CHECKOUT, stdout=self._log, stderr=self._log)
        deadline = time.monotonic() + 10
        while not _listening(self.port):
            if time.monotonic() > deadline or self._process.poll() is not None:
                raise RuntimeError(f"the latency proxy did not start: {self.log_tail()}")
            time.sleep(0.05)
        return self


if __name__ == "__main__":
    listen, upstream, delay = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    asyncio.run(_serve(listen, upstream, delay / 1000))
