"""A token credential for tests: azure-core's `TokenCredential` protocol, with a clock.

Each `get_token` hands out a new token valid for `lifetime` seconds of the given clock and
records the scopes asked for, so a test can see when the toolkit refreshed and for what.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from typing import Any

from azure.core.credentials import AccessToken


class FakeTokenCredential:
    def __init__(
        self,
        *,
        lifetime: float = 3600.0,
        clock: Callable[[], float] = time.time,
        prefix: str = "stand-in-token",
        issued: list[str] | None = None,
    ) -> None:
        """`issued`: the list each new token is appended to (share it with the stand-in's
        accepted tokens so they are valid, or keep it apart so they are not)."""
        self.lifetime = lifetime
        self.clock = clock
        self.prefix = prefix
        self.scopes: list[tuple[str, ...]] = []
        self.issued: list[str] = issued if issued is not None else []
        self._numbers = itertools.count(1)

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.scopes.append(scopes)
        token = f"{self.prefix}-{next(self._numbers)}"
        self.issued.append(token)
        return AccessToken(token, int(self.clock() + self.lifetime))

    def close(self) -> None:
        return None
