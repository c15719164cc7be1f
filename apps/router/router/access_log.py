"""Function keys out of uvicorn's access log.

Status URLs carry the durable extension's system key as `code=` (HttpApiHandler appends
it to every management URL) and callers may send a function key the same way, so an
access log line that prints the request target prints a key. uvicorn's access logger
(`uvicorn.access`) logs `(client, method, path with query, http version, status)`; this
filter replaces the value of every `code` query parameter with `***` before any handler
formats the line.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_CODE = re.compile(r"(?i)([?&]code=)[^&#\s]*")


def redact(target: str) -> str:
    return _CODE.sub(r"\1***", target)


class RedactKeys(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(redact(a) if isinstance(a, str) else a for a in record.args)
        record.msg = redact(str(record.msg))
        return True


def redact_access_log() -> None:
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, RedactKeys) for f in logger.filters):
        logger.addFilter(RedactKeys())
