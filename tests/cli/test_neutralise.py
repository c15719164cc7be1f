"""`neutralise` is an escape, not a filter: every value prints differently from every other,
and the printed text can be read back to the value (scripts/cli/untrusted.py).

`read_back` below is written from the escapes' documented spellings (Python's own: `\\\\`,
`\\xNN`, `\\uNNNN`, `\\UNNNNNNNN`), not from the code under test; if two values printed the
same, one of them could not be read back.
"""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scripts.cli.untrusted import neutralise, neutralised

_ESCAPE = re.compile(r"\\(\\|x[0-9a-f]{2}|u[0-9a-f]{4}|U[0-9a-f]{8})")


def read_back(text: str) -> str:
    """The value `text` was printed from."""
    return _ESCAPE.sub(lambda m: "\\" if m[1] == "\\" else chr(int(m[1][1:], 16)), text)


def invisible(text: str) -> list[str]:
    """Characters that act or hide rather than show: controls, format characters (bidi,
    zero-width), line and paragraph separators."""
    return [
        c
        for c in text
        if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") or 0x80 <= ord(c) <= 0x9F
    ]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("9.9\x1b", "9.9\\x1b"),
        ("a\nb", "a\\x0ab"),
        ("##vso[x]", "\\x23#vso[x]"),
        ("::error::x", "\\x3a:error::x"),
        ("bidi\u202e", "bidi\\u202e"),
    ],
)
def test_a_value_and_its_escaped_spelling_print_differently(one: str, other: str) -> None:
    assert neutralise(one) != neutralise(other)
    assert neutralised({one: 1, other: 2}) == {neutralise(one): 1, neutralise(other): 2}


@given(st.text())
def test_every_value_reads_back_from_what_is_printed(value: str) -> None:
    printed = neutralise(value)
    assert read_back(printed) == value
    assert invisible(printed) == []


@pytest.mark.parametrize(
    "char",
    [
        *("\u202e", "\u202a", "\u2066", "\u2069"),  # bidi overrides and isolates
        *("\u200b", "\u200d", "\ufeff", "\U000e0001"),  # zero-width, a tag character
        *("\u2028", "\u2029", "\x85"),  # line and paragraph separators, NEL
    ],
)
def test_bidi_zero_width_and_separators_are_shown_as_escapes(char: str) -> None:
    printed = neutralise(f"bidi{char}DENIARD TON")
    assert char not in printed
    assert printed.startswith("bidi\\")


def test_visible_text_in_any_script_stays_as_written() -> None:
    assert neutralise("Bestellung für Müller 注文") == "Bestellung für Müller 注文"


def test_two_keys_that_print_the_same_are_an_error_not_a_lost_entry() -> None:
    with pytest.raises(ValueError, match="two keys"):
        neutralised({1: "one", "1": "also one"})
