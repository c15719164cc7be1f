"""Reading an enum member from text, the one way every setting, option and row does it.

.NET binds enum settings case-insensitively (`Enum.Parse(..., ignoreCase: true)` in the
configuration binder), so host.json and app setting values are matched that way; values the
toolkit writes itself (a route row's state) are matched exactly.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypeVar

E = TypeVar("E", bound=StrEnum)


def parse_enum(kind: type[E], value: str, *, case_sensitive: bool = False) -> E:
    """The member of `kind` whose value `value` names; ValueError listing the allowed ones."""
    if case_sensitive:
        found = [m for m in kind if m.value == value]
    else:
        found = [m for m in kind if m.value.lower() == value.strip().lower()]
    if found:
        return found[0]
    allowed = ", ".join(m.value for m in kind)
    raise ValueError(f"{value!r} is not one of {allowed}")
