"""The rehearsal's console, and `durable-deploy` run the way a pipeline runs it (with the
stand-ins at work meanwhile, where a command waits on them).

Every part of the rehearsal prints through here; none of them imports another's flow, so
the parts stay independent of the order `__main__` runs them in.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console

console = Console(highlight=False, soft_wrap=True)


def section(title: str) -> None:
    console.rule(f"[bold]{title}")


def check(stack: str) -> int:
    """`durable-deploy check --stack <stack>`, shown and run; its exit code, a failure said."""
    console.print(f"$ durable-deploy check --stack {stack}")
    code = cli("check", "--stack", stack).returncode
    if code != 0:
        console.print(f"[bold red]The check of {stack} exited {code}: rehearsal failed.")
    return code


def cli(
    *args: str, env: dict[str, str] | None = None, capture: bool = False
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "scripts.cli", *args],
        env=env,
        check=False,
        text=True,
        capture_output=capture,
    )


@contextmanager
def meanwhile(play: Callable[[], None]) -> Iterator[None]:
    """`play` (a host finishing its work, say) runs in a thread while the block runs a
    command that waits on it, and has ended when the block has."""
    player = threading.Thread(target=play, daemon=True)
    player.start()
    yield
    player.join()


def run_while(
    what: str, play: Callable[[float], None], *args: str, env: dict[str, str]
) -> tuple[int, float]:
    """`durable-deploy <args>` (the `what`: gate, watch) run while `play(started)` changes
    the hub as the host would; its exit code, a failure said, and the seconds it took."""
    started = time.monotonic()
    with meanwhile(lambda: play(started)):
        code = cli(*args, env=env).returncode
    if code != 0:
        console.print(f"[bold red]The {what} exited {code}: rehearsal failed.")
    return code, time.monotonic() - started
