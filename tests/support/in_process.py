"""`durable-deploy` run inside the test process, as its console script runs in a process of
its own, without the second of interpreter start-up and imports each run costs.

What a new process starts with, each run gets, and gives back when it ends: its argv, its
environment (the variables `Cli` composes, nothing of the previous run), its working
directory, its own stdout and stderr, the import path and the user modules it imports (a
`replay-check --function mod:attr` of one test must not find another test's `mod`), and
the CLI's process-wide registries at their start values (the secrets to mask, the count of
JSON objects printed, the debug switch). Whatever escapes `main` ends as the interpreter
would end it: a traceback on stderr and exit 1, which tests read as "not a verdict".

The subprocess runs in tests/cli/test_pipeline_contract.py hold what only a real process
shows (the console script, exit statuses, the separation of the two streams).
"""

from __future__ import annotations

import asyncio
import io
import logging
import os
import sys
import threading
import traceback
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager, redirect_stderr, redirect_stdout
from pathlib import Path
from types import ModuleType

from scripts.cli import boundary
from scripts.cli.main import main
from scripts.cli.output import Output
from taskhub import secrets
from tests.support.checkout import ROOT, SHIPPED

PROGRAM = "durable-deploy"
"""argv[0] as the console script sees it."""


def run_main(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of `durable-deploy *args` with `env` as its environment."""
    stdout, stderr = io.StringIO(), io.StringIO()
    with (
        _process_state([PROGRAM, *args], env, cwd),
        redirect_stdout(stdout),
        redirect_stderr(stderr),
        _last_resort_logging(stderr),
    ):
        code = _exit_code()
    return code, stdout.getvalue(), stderr.getvalue()


def _exit_code() -> int:
    """`main`'s exit status as the interpreter reports it (sys.exit's rules)."""
    try:
        main()
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            return exc.code or 0
        print(exc.code, file=sys.stderr)
        return 1
    except Exception:
        traceback.print_exc()
        return 1
    return 0


def _reset_registries() -> None:
    # A new process has no event loop yet; an earlier test's asyncio.run() leaves the main
    # thread's loop explicitly unset, and Pulumi's mocked runtime (plan) then finds none.
    asyncio.set_event_loop_policy(None)
    secrets.reset_registry()
    Output.reset_count()
    boundary.reset_debug()


@contextmanager
def _process_state(argv: list[str], env: Mapping[str, str], cwd: Path) -> Iterator[None]:
    saved_argv, saved_env, saved_cwd = sys.argv, dict(os.environ), os.getcwd()
    saved_path, saved_modules = list(sys.path), set(sys.modules)
    sys.argv = argv
    _replace_environ(env)  # in place: modules hold `os.environ` itself as a default argument
    os.chdir(cwd)
    _reset_registries()
    try:
        yield
    finally:
        sys.argv = saved_argv
        _replace_environ(saved_env)
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        for name in set(sys.modules) - saved_modules:
            if _user_module(sys.modules[name]):
                del sys.modules[name]
        _reset_registries()


def _replace_environ(env: Mapping[str, str]) -> None:
    for name in set(os.environ) - set(env):
        del os.environ[name]
    os.environ.update(env)


_LIBRARIES = tuple(
    str(folder.resolve())
    for folder in (Path(sys.prefix), Path(sys.base_prefix), *(ROOT / name for name in SHIPPED))
)


def _user_module(module: ModuleType) -> bool:
    """A module a run imported from the user's code (an app folder, a test's tmp_path): a
    new process would import it afresh. Libraries and the toolkit stay imported, as they
    are the same in every process."""
    file: str | None = getattr(module, "__file__", None)  # built-in modules have none
    return file is not None and not str(Path(file).resolve()).startswith(_LIBRARIES)


@contextmanager
def _last_resort_logging(stderr: io.StringIO) -> Iterator[None]:
    """In a process of its own, a warning logged with no handler configured reaches stderr
    through `logging.lastResort`; pytest's capture handlers on the root logger stop that
    here, so a handler of the same kind writes to the run's stderr instead."""
    handler = logging.StreamHandler(stderr)
    handler.setLevel(logging.WARNING)
    running = threading.get_ident()  # not the servers a test runs in threads beside it
    handler.addFilter(lambda record: record.thread == running)
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield
    finally:
        root.removeHandler(handler)
