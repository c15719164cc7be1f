"""Keeping keys, SAS tokens and connection strings out of everything we print.

Error messages from the storage SDK can echo a request URL (with a SAS signature) and a
user can paste a connection string where a hub name belongs; every text a command shows
goes through `redact` first. A command registers the secrets it was given before it
prints anything (`register`), so even a value that reaches the output by another road
(a hub name that happens to equal the account key) is masked.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import unquote

MASK = "***"
# Shorter values are not masked on their own: they would blank out ordinary words.
_MIN_SECRET = 8

_KEY_VALUE = re.compile(r"(?i)\b(AccountKey|SharedAccessSignature|SharedAccessKey|sig)=[^;&\s'\"]+")
_SECRET_VALUE = re.compile(
    r"(?i)\b(?:AccountKey|SharedAccessSignature|SharedAccessKey|sig)=([^;&\s'\"]+)"
)
_BEARER = re.compile(r"(?i)\bBearer\s+[A-Za-z0-9\-._~+/]+=*")
_registered: set[str] = set()


def secrets_in(text: str) -> tuple[str, ...]:
    """The secret values inside a connection string or URL, and the whole text if it has
    any: the key alone can reach the output as easily as the string that holds it."""
    found = [m.group(1) for m in _SECRET_VALUE.finditer(text)]
    found += [unquote(value) for value in found]
    return (text, *found) if found else ()


def register(values: Iterable[str]) -> None:
    """Secrets every later `redact` call masks, for the rest of the process."""
    _registered.update(v for v in values if v and len(v) >= _MIN_SECRET)


def reset_registry() -> None:
    """Forgets every registered secret, as a new process starts with none: for a host that
    runs several commands in one process (the test suite runs `durable-deploy` in process),
    so one command's secrets neither leak into nor mask another's output."""
    _registered.clear()


def redact(text: str, known: Iterable[str] = ()) -> str:
    """`text` with every secret-looking value and every known or registered secret masked."""
    for secret in sorted({*known, *_registered}, key=len, reverse=True):
        if secret:
            text = text.replace(secret, MASK)
    text = _KEY_VALUE.sub(rf"\1={MASK}", text)
    return _BEARER.sub(f"Bearer {MASK}", text)
