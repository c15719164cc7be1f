"""`# noqa` comments, read the way flake8 reads them, so both tools suppress the same lines.

`# noqa` alone silences every rule on the line; `# noqa: DDZ003,DDZ005` only those codes
(flake8's `defaults.NOQA_INLINE_REGEXP`, copied; a listed code also silences the codes it
prefixes, as in flake8's style guide).
"""

from __future__ import annotations

import re

NOQA = re.compile(r"# noqa(?::[\s]?(?P<codes>([A-Z]+[0-9]+(?:[,\s]+)?)+))?", re.IGNORECASE)
SEPARATOR = re.compile(r"[,\s]")


def suppressed(line: str, rule: str) -> bool:
    found = NOQA.search(line)
    if found is None:
        return False
    listed = found.group("codes")
    if listed is None:
        return True
    codes = tuple(code for code in SEPARATOR.split(listed) if code)
    return rule in codes or rule.startswith(codes)
