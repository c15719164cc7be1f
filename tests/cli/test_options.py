"""Durations, as every option taking one reads them: a number and a unit, or a bare number in
the unit the option had before units were accepted (so no pipeline breaks)."""

from __future__ import annotations

import pytest

from scripts.cli.options import parse_duration


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), (" 15m ", 900), ("1.5h", 5400), ("7d", 604800), ("2w", 1209600)],
)
def test_a_number_and_a_unit(text: str, seconds: float) -> None:
    assert parse_duration(text, bare=None) == seconds
    assert parse_duration(text, bare="d") == seconds  # a unit wins over the bare one


@pytest.mark.parametrize(("bare", "seconds"), [("s", 15), ("d", 15 * 86400)])
def test_a_bare_number_keeps_the_options_old_unit(bare: str, seconds: float) -> None:
    assert parse_duration("15", bare=bare) == seconds
    assert parse_duration(15.0, bare=bare) == seconds  # a default, as typer hands it over


@pytest.mark.parametrize("text", ["", "15", "m", "-1m", "1 y", "1e3s"])
def test_anything_else_is_refused_where_no_bare_unit_was_ever_taken(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text, bare=None)


def test_a_minimum() -> None:
    assert parse_duration("0d", bare=None) == 0
    with pytest.raises(ValueError, match=r"shorter than 0\.1s"):
        parse_duration("0s", bare="s", minimum=0.1)


def test_a_default_given_as_a_number_is_in_seconds_where_no_bare_unit_is_taken() -> None:
    assert parse_duration(900.0, bare=None) == 900
