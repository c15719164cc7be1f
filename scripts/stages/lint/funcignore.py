"""`.funcignore`: files Core Tools leaves out of the published app are not part of the app.

Core Tools reads `.funcignore` from the app folder (`PublishHelper.GetIgnoreParser`) with
its own `GitIgnoreParser` (azure-functions-core-tools src/Azure.Functions.Cli/Common/
GitIgnoreParser.cs, a port of codemix's gitignore-parser), which is not git's matcher:
each pattern loses one leading `/` and `!`, becomes a regular expression where `**` is any
text and `*` any text without `/` (`?` and other regex characters are literal), and is
matched at the *start* of the path relative to the app folder, with no anchor at its end.
A path is denied when some pattern matches it and no `!` pattern does. Nothing else (git's
`?`, character classes, trailing-`/` directory rules) is emulated, since Core Tools does
not do it either.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

FILE = ".funcignore"


def _regex(pattern: str) -> str:
    escaped = re.sub(r"[-\[\]/{}()+?.\\^$|]", lambda m: "\\" + m.group(0), pattern)
    return escaped.replace("**", "(.+)").replace("*", "([^/]+)")


def _either(patterns: list[str]) -> re.Pattern[str] | None:
    if not patterns:
        return None
    return re.compile("^((" + ")|(".join(_regex(p) for p in sorted(patterns)) + "))")


@dataclass(frozen=True)
class FuncIgnore:
    denied: re.Pattern[str] | None
    accepted: re.Pattern[str] | None

    @classmethod
    def of(cls, root: Path) -> FuncIgnore:
        try:
            text = (root / FILE).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            return cls(None, None)  # none, or unreadable: Core Tools then publishes everything
        positive: list[str] = []
        negative: list[str] = []
        for raw in text.split("\n"):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            negated = line.startswith("!")
            line = line[1:] if negated else line
            line = line[1:] if line.startswith("/") else line
            (negative if negated else positive).append(line)
        return cls(_either(positive), _either(negative))

    def denies(self, relative: str) -> bool:
        """Whether the app-relative path (with `/`) is left out of the published app."""
        if self.denied is None or not self.denied.match(relative):
            return False
        return self.accepted is None or not self.accepted.match(relative)
