"""The SDK's event times, read without dateutil's general parser where the answer is known.

azure-functions-durable builds every history event with `dateutil.parser.parse(Timestamp)`
(models/history/HistoryEvent.py), about 50 us an event: a third of the CPU a replay takes,
and more again in prefix mode, which replays each episode's events once per later prefix.
The reader writes every time in one form (`taskhub.history._iso`: `2026-11-20T09:00:00.5Z`),
so `parse` reads that form with a regular expression and gives back what dateutil gives
for it (the same fields, and the time zone dateutil gives "Z" in this process: `tzutc()`,
or `tzlocal()` where the local zone is named UTC); anything else, and any value that form
cannot hold, goes to dateutil itself, so its answers and its errors stay the SDK's own.
"""

from __future__ import annotations

import importlib
import re
from datetime import datetime, tzinfo
from functools import cache
from typing import Any

from dateutil.parser import parse as dateutil_parse

SDK_MODULE = "azure.durable_functions.models.history.HistoryEvent"
"""The module, not the class its package re-exports under the same name."""
_FORM = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.(\d{1,6}))?Z")


@cache
def _zulu() -> tzinfo | None:
    zulu: datetime = dateutil_parse("2000-01-01T00:00:00Z")
    return zulu.tzinfo


def parse(text: Any, *args: Any, **kwargs: Any) -> datetime:
    """dateutil's `parse(text)`, fast for the reader's own form."""
    match = _FORM.fullmatch(text) if isinstance(text, str) and not (args or kwargs) else None
    if match is not None:
        year, month, day, hour, minute, second, fraction = match.groups()
        try:
            return datetime(
                int(year),
                int(month),
                int(day),
                int(hour),
                int(minute),
                int(second),
                int((fraction or "0").ljust(6, "0")),
                tzinfo=_zulu(),
            )
        except ValueError:
            pass  # dateutil says why, in its own words
    result: datetime = dateutil_parse(text, *args, **kwargs)
    return result


def install() -> None:
    """Makes the SDK's HistoryEvent read times with `parse` (in this process only)."""
    setattr(importlib.import_module(SDK_MODULE), "dt_parse", parse)  # noqa: B010
