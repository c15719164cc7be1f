"""Durations, as every option taking one reads them: a number and a unit, or a bare number in
the unit the option had before units were accepted (so no pipeline breaks)."""

from __future__ import annotations

import pytest

from scripts.cli.options import MAX_DURATION_DAYS, parse_duration
from tests.support.helpers import Cli


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


@pytest.mark.parametrize(
    "text",
    [
        "",
        "15",
        "m",
        "-1m",
        "1 y",
        "1e3s",
        "nan",
        "inf",
        "\uff11\uff15s",  # full-width digits: `\d` matched them, float() read them
        "\u0661\u0665m",  # Arabic-Indic digits
        "1" + "0" * 400 + "s",  # float() reads it as inf: a wait that never ends
    ],
)
def test_anything_else_is_refused_where_no_bare_unit_was_ever_taken(text: str) -> None:
    with pytest.raises(ValueError, match="is not a duration"):
        parse_duration(text, bare=None)


def test_a_minimum() -> None:
    assert parse_duration("0d", bare=None) == 0
    with pytest.raises(ValueError, match=r"shorter than 0\.1s"):
        parse_duration("0s", bare="s", minimum=0.1)


@pytest.mark.parametrize("text", ["99999999999d", "3651d", "522w", str(3650 * 86400 + 1)])
def test_no_duration_is_longer_than_ten_years(text: str) -> None:
    """Past it `now + duration` leaves what datetime holds (OverflowError, "report it")."""
    with pytest.raises(ValueError, match=f"longer than {MAX_DURATION_DAYS} days"):
        parse_duration(text, bare="s")
    assert parse_duration(f"{MAX_DURATION_DAYS}d", bare=None) == MAX_DURATION_DAYS * 86400


@pytest.mark.parametrize("option", [["gate", "--timeout"], ["retire", "--retention"]])
def test_a_duration_too_long_is_a_usage_error_naming_the_option(
    cli: Cli, option: list[str]
) -> None:
    """Refused while the options are read, before any connection: exit 2, the option named."""
    command, name = option
    run = cli(command, "--hub", "h", "--connection-string", "x", name, "99999999999d", "--json")
    assert run.code == 2, run.output
    assert run.json["error"]["type"] == "UsageError"
    assert name in run.json["error"]["message"]
    assert "longer than 3650 days" in run.json["error"]["message"]


def test_a_default_given_as_a_number_is_in_seconds_where_no_bare_unit_is_taken() -> None:
    assert parse_duration(900.0, bare=None) == 900
