"""Option groups the commands share, declared once and copied onto each command's signature.

`hub` (where a task hub lives, or a shared tracking store), `arm` (the app in Azure and
the hub to drain), `watch` (following a rollout). `shared_options` is how a group reaches
a command.
"""

from __future__ import annotations

import functools
import inspect
import re
from collections.abc import Callable, Sequence
from enum import StrEnum
from typing import Annotated, Any, TypeVar

import typer

from taskhub.enums import parse_enum

StableForOption = Annotated[int, typer.Option(min=1, help="Drained reads in a row needed to pass.")]


def shared_options(
    template: Callable[..., None] | Sequence[Callable[..., None]],
    build: Callable[..., Any],
    name: str = "where",
) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """A decorator giving commands the options `template` declares, passed as `name`.

    Typer reads a command's options from its signature, so the wrapper presents the
    command's own parameters plus the shared ones, all keyword-only, and hands the shared
    values to the command as one object built by `build`. Several templates are joined in
    order, so option groups that share options (the hub's connection) declare them once.
    """
    templates = template if isinstance(template, Sequence) else (template,)
    shared = [
        p.replace(kind=inspect.Parameter.KEYWORD_ONLY)
        for each in templates
        for p in inspect.signature(each, eval_str=True).parameters.values()
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


T = TypeVar("T")


def _reported(parse: Callable[[Any], T]) -> Callable[[Any], T]:
    """A parser whose ValueError typer reports as the option's bad value, in its own words."""

    def parser(value: Any) -> T:
        try:
            return parse(value)
        except ValueError as exc:
            raise typer.BadParameter(str(exc)) from None

    return parser


# ASCII digits only (`\d` takes any script's), and no more than a year has days: a number
# that long is a typo or an attack, never a wait.
_DURATION = re.compile(r"^\s*([0-9]{1,12}(?:\.[0-9]{1,12})?)\s*([smhdw])?\s*$")
_UNIT_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}
_UNIT_NAMES = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
DURATION_METAVAR = "DURATION"
MAX_DURATION_DAYS = 3650
"""The longest duration any option takes (ten years): a wait or a retention beyond it is a
mistake, and past it a date would soon fall outside what datetime can hold."""


def parse_duration(value: str | float, *, bare: str | None, minimum: float = 0.0) -> float:
    """Seconds in `value`: `90s`, `15m`, `12h`, `7d`, `2w`. A bare number is in the `bare` unit
    (the option's unit from before units were accepted, so no pipeline breaks), or refused
    when the option never took one. ValueError (typer's "Invalid value", which names the
    option) when it is no duration, shorter than `minimum` seconds or longer than
    `MAX_DURATION_DAYS`."""
    unit: str | None
    if isinstance(value, int | float):  # a default, from the code: in the bare unit, or seconds
        number, unit = float(value), bare or "s"
    else:
        match = _DURATION.match(value)
        unit = (match[2] or bare) if match else None
        if not match or unit is None:
            raise ValueError(
                f"{value!r} is not a duration: write a number and a unit (90s, 15m, 12h, 7d, 2w)"
            )
        number = float(match[1])
    seconds = number * _UNIT_SECONDS[unit]
    if seconds < minimum:
        raise ValueError(f"{value!r} is shorter than {minimum:g}s")
    if not seconds <= MAX_DURATION_DAYS * _UNIT_SECONDS["d"]:
        raise ValueError(f"{value!r} is longer than {MAX_DURATION_DAYS} days, the most one takes")
    return seconds


def duration_option(help: str, *, bare: str | None, minimum: float = 0.0, **option: Any) -> Any:
    """A `typer.Option` taking a duration (`parse_duration`), in seconds; `help` says what it
    is for, the unit note is added here."""
    note = f"a bare number is {_UNIT_NAMES[bare]}" if bare else "a number and a unit"
    return typer.Option(
        parser=_reported(lambda value: parse_duration(value, bare=bare, minimum=minimum)),
        metavar=DURATION_METAVAR,
        help=f"{help} (30s, 15m, 2h, 7d; {note}).",
        **option,
    )


# How a waiting stage re-reads a hub: the gate and the rollout watch read alike.
IntervalOption = Annotated[float, duration_option("Time between reads", bare="s", minimum=0.1)]


def enum_option(kind: type[StrEnum], help: str, **option: Any) -> Any:
    """A `typer.Option` taking a member of `kind`, read by the one enum parser (any case)."""
    return typer.Option(
        parser=_reported(lambda value: parse_enum(kind, value)),
        metavar="[" + "|".join(m.value for m in kind) + "]",
        help=help,
        **option,
    )
