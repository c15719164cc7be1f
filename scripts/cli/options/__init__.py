"""Option groups the commands share, declared once and copied onto each command's signature.

`hub` (where a task hub lives, or a shared tracking store), `arm` (the app in Azure and
the hub to drain), `watch` (following a rollout). `shared_options` is how a group reaches
a command.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable
from datetime import timedelta
from typing import Annotated, Any

import typer

from taskhub.errors import ConfigurationError

# How a waiting stage re-reads a hub: the gate and the rollout watch read alike.
IntervalOption = Annotated[float, typer.Option(min=0.1, help="Seconds between reads.")]
StableForOption = Annotated[int, typer.Option(min=1, help="Drained reads in a row needed to pass.")]


def shared_options(
    template: Callable[..., None], build: Callable[..., Any], name: str = "where"
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A decorator giving commands the options `template` declares, passed as `name`.

    Typer reads a command's options from its signature, so the wrapper presents the
    command's own parameters plus the shared ones, all keyword-only, and hands the shared
    values to the command as one object built by `build`.
    """
    shared = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for p in inspect.signature(template, eval_str=True).parameters.values()
    ]

    def decorate(command: Callable[..., None]) -> Callable[..., None]:
        own = [
            p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
            for p in inspect.signature(command, eval_str=True).parameters.values()
            if p.name != name
        ]

        @functools.wraps(command)
        def wrapper(**kwargs: Any) -> None:
            built = build(**{p.name: kwargs.pop(p.name) for p in shared})
            command(**{name: built}, **kwargs)

        parameters = shared + own
        wrapper.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
        wrapper.__annotations__ = {p.name: p.annotation for p in parameters}
        return wrapper

    return decorate


_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def parse_duration(text: str, option: str, *, allow_zero: bool = False) -> timedelta:
    """`90s`, `15m`, `12h`, `7d`, `2w` as every option taking a duration reads it."""
    match = _DURATION.match(text)
    if not match or (float(match[1]) == 0 and not allow_zero):
        raise ConfigurationError(
            f"{option} {text!r} is not a duration",
            fix="write a number above 0 and a unit: 90s, 15m, 12h, 7d, 2w",
        )
    return timedelta(**{_UNITS[match[2]]: float(match[1])})
