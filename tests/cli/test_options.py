"""Durations, as every option taking one reads them (`--completed-since`, `--window`, ...)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from scripts.cli.options import parse_duration
from taskhub.errors import ConfigurationError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("90s", timedelta(seconds=90)),
        (" 15m ", timedelta(minutes=15)),
        ("1.5h", timedelta(hours=1.5)),
        ("7d", timedelta(days=7)),
        ("2w", timedelta(weeks=2)),
    ],
)
def test_a_number_and_a_unit(text: str, expected: timedelta) -> None:
    assert parse_duration(text, "--window") == expected


@pytest.mark.parametrize("text", ["", "15", "m", "-1m", "1 y", "1e3s", "0s"])
def test_anything_else_names_the_option(text: str) -> None:
    with pytest.raises(ConfigurationError, match="--window"):
        parse_duration(text, "--window")


def test_zero_only_where_the_option_allows_it() -> None:
    assert parse_duration("0d", "--completed-since", allow_zero=True) == timedelta(0)
