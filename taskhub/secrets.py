"""Keeping keys, SAS tokens and connection strings out of everything we print.

Error messages from the storage SDK can echo a request URL (with a SAS signature) and a
user can paste a connection string where a hub name belongs; every text a command shows
goes through `redact` first.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

MASK = "***"

_KEY_VALUE = re.compile(r"(?i)\b(AccountKey|SharedAccessSignature|SharedAccessKey|sig)=[^;&\s'\"]+")
_BEARER = re.compile(r"(?i)\bBearer\s+[A-Za-z0-9\-._~+/]+=*")


def redact(text: str, known: Iterable[str] = ()) -> str:
    """`text` with every secret-looking value and every `known` secret replaced by MASK."""
    for secret in known:
        if secret:
            text = text.replace(secret, MASK)
    text = _KEY_VALUE.sub(rf"\1={MASK}", text)
    return _BEARER.sub(f"Bearer {MASK}", text)
