"""Start and stop Azurite, the Azure Storage emulator from npm, on free loopback ports.

Tests, benchmarks and the local rehearsal all use it as the stand-in for real storage
accounts. Named accounts (AZURITE_ACCOUNTS) stand in for per-slot durable accounts.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from scripts.stages.process import ManagedProcess
from standins import CHECKOUT

# The emulator's published development key: a public constant, not a secret.
DEV_ACCOUNT = "devstoreaccount1"
DEV_KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Account:
    name: str
    key: str = DEV_KEY


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.2)
        return sock.connect_ex((HOST, port)) == 0


class Azurite(ManagedProcess):
    """One Azurite process serving tables (and blobs when asked) for some accounts."""

    def __init__(
        self,
        accounts: tuple[Account, ...] = (Account(DEV_ACCOUNT),),
        *,
        blobs: bool = False,
        location: Path | None = None,
    ) -> None:
        super().__init__()
        self.accounts = {a.name: a for a in accounts}
        self.blobs = blobs
        self.location = location
        self.table_port = 0
        self.blob_port = 0

    def _command(self) -> list[str]:
        binary = CHECKOUT / "node_modules" / ".bin" / ("azurite" if self.blobs else "azurite-table")
        if not binary.exists():
            raise RuntimeError(f"{binary} is missing: run `make setup` (npm ci) first")
        self.table_port = free_port()
        cmd = [
            str(binary),
            "--tableHost",
            HOST,
            "--tablePort",
            str(self.table_port),
            "--skipApiVersionCheck",
            "--disableTelemetry",
        ]
        if self.blobs:
            self.blob_port = free_port()
            cmd += [
                "--blobHost",
                HOST,
                "--blobPort",
                str(self.blob_port),
                "--queueHost",
                HOST,
                "--queuePort",
                str(free_port()),
            ]
        if self.location is None:
            cmd.append("--inMemoryPersistence")
        else:
            self.location.mkdir(parents=True, exist_ok=True)
            cmd += ["--location", str(self.location)]
        return cmd

    def start(self, timeout: float = 30.0) -> Azurite:
        env = dict(os.environ)
        env["AZURITE_ACCOUNTS"] = ";".join(f"{a.name}:{a.key}" for a in self.accounts.values())
        self._process = subprocess.Popen(
            self._command(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=CHECKOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        ports = [self.table_port] + ([self.blob_port] if self.blobs else [])
        while not all(_listening(p) for p in ports):
            if self._process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Azurite did not start: {self.log_tail()}")
            time.sleep(0.1)
        return self

    def table_endpoint(self, account: str = DEV_ACCOUNT) -> str:
        return f"http://{HOST}:{self.table_port}/{account}"

    def connection_string(self, account: str = DEV_ACCOUNT) -> str:
        acct = self.accounts[account]
        parts = [
            "DefaultEndpointsProtocol=http",
            f"AccountName={acct.name}",
            f"AccountKey={acct.key}",
            f"TableEndpoint={self.table_endpoint(acct.name)}",
        ]
        if self.blobs:
            parts.append(f"BlobEndpoint=http://{HOST}:{self.blob_port}/{acct.name}")
        return ";".join(parts) + ";"
