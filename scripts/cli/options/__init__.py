"""Option groups the commands share, declared once and copied onto each command's signature.

`hub` (where a task hub lives, or a shared tracking store), `arm` (the app in Azure and
the hub to drain), `watch` (following a rollout). `shared_options` is how a group reaches
a command.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any


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
