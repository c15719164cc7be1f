"""The rehearsal's console, and `durable-deploy` run the way a pipeline runs it.

Every part of the rehearsal prints through here; none of them imports another's flow, so
the parts stay independent of the order `__main__` runs them in.
"""

from __future__ import annotations

import subprocess
import sys

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
