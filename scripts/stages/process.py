"""A helper process that tests, benchmarks and stages start, use and always stop."""

from __future__ import annotations

import subprocess
import tempfile
from types import TracebackType
from typing import Self


class ManagedProcess:
    """Owns one child process and its log; subclasses say how to start it."""

    def __init__(self) -> None:
        self._process: subprocess.Popen[bytes] | None = None
        self._log = tempfile.TemporaryFile()  # noqa: SIM115 (lives as long as the object)

    def start(self) -> Self:
        raise NotImplementedError

    def log_tail(self, size: int = 2000) -> str:
        self._log.seek(0)
        return self._log.read().decode(errors="replace")[-size:]

    def stop(self) -> None:
        if self._process and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
        self._process = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
