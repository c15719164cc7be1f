"""stdout holds a command's answer and nothing else: whatever else prints goes to stderr, inert.

Some commands run the user's code: `replay-check` and `release --replay-app-dir` import the
app (its `function_app.py`) and replay its orchestrators. A `print` there would land on
stdout before the `--json` object, raw, with whatever it holds (`##vso[...]`, ESC). So while a
command runs, `sys.stdout` is a writer that neutralises each line and writes it to stderr
(which the runners scan for commands too, so moving a line there is not enough), and only
`Output` writes to the real stdout, through `answer_stream`. A worker process forked while
the command runs inherits the writer.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterator
from contextlib import contextmanager, redirect_stdout
from typing import TextIO

from scripts.cli.untrusted import neutralise
from taskhub.secrets import redact

_answers: list[TextIO] = []
"""The stdout of each command running, innermost last."""


def answer_stream() -> TextIO:
    """Where a command's answer goes: the stdout it was started with."""
    return _answers[-1] if _answers else sys.stdout


class InertLines(io.TextIOBase):
    """A text stream writing each line it is given to stderr, neutralised and redacted; a
    line without its end waits for it (or for `close`)."""

    def __init__(self) -> None:
        super().__init__()
        self._pending = ""

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        *lines, self._pending = (self._pending + text).split("\n")
        for line in lines:
            self._emit(line)
        return len(text)

    def close(self) -> None:
        if self._pending:
            self._emit(self._pending)
            self._pending = ""
        super().close()

    @staticmethod
    def _emit(line: str) -> None:
        sys.stderr.write(redact(neutralise(line)) + "\n")
        sys.stderr.flush()


@contextmanager
def answers_only() -> Iterator[None]:
    """While the block runs, `sys.stdout` prints to stderr, inert; `answer_stream` is the
    stdout the block started with."""
    _answers.append(sys.stdout)
    inert = InertLines()
    try:
        with redirect_stdout(inert):
            yield
    finally:
        inert.close()
        _answers.pop()
