"""Version rules exactly as DurableTask.Core has them (docs/domain.md), not as `packaging` does."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskhub.versions import (
    MatchStrategy,
    compare_versions,
    parse_dotnet_version,
    worker_accepts,
)


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (None, None, 0),
        ("", None, 0),
        ("  ", "", 0),
        ("", "1.0", -1),
        (None, "x", -1),
        ("1.0", None, 1),
        ("1.0", "   ", 1),
        ("1.0", "1.0.0", -1),
        ("1.0.0", "1.0.0.0", -1),
        ("1.0", "1.0", 0),
        ("1.2", "1.10", -1),
        ("2.0", "10.0", -1),
        ("10", "9", -1),  # single components never parse: string compare
        ("v1.10", "v1.9", -1),
        ("V1.9", "v1.9", 0),
        ("abc", "ABD", -1),
        (" 1 . 2 ", "1.2", 0),
        ("+1.0", "1.0", 0),
        ("01.002", "1.2", 0),
        ("1.0-rc", "1.0", 1),  # "1.0-rc" does not parse: "1.0-RC" > "1.0" as strings
        ("2025-01-01", "2025-01-02", -1),
    ],
)
def test_compare_versions_matches_durabletask(a: str | None, b: str | None, expected: int) -> None:
    assert compare_versions(a, b) == expected
    assert compare_versions(b, a) == -expected


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        (" 1 . 2 ", (1, 2, -1, -1)),
        ("+1.0", (1, 0, -1, -1)),
        ("01.002", (1, 2, -1, -1)),
        ("1.2.3.4", (1, 2, 3, 4)),
        ("2147483647.0", (2147483647, 0, -1, -1)),
        ("-1.0", None),
        ("1", None),
        ("1.", None),
        ("1..2", None),
        ("1.0.0.0.0", None),
        ("v1.0", None),
        ("1.0-rc", None),
        ("2025-01-01", None),
        ("2147483648.0", None),
        ("1.٣", None),  # only ASCII digits
    ],
)
def test_dotnet_version_parsing(text: str, parsed: tuple[int, ...] | None) -> None:
    assert parse_dotnet_version(text) == parsed


def test_worker_acceptance_per_strategy() -> None:
    assert worker_accepts("3.0", "1.0", MatchStrategy.NONE)
    assert worker_accepts("1.0", "1.0", MatchStrategy.STRICT)
    assert not worker_accepts("1.0", "1.0.0", MatchStrategy.STRICT)
    assert not worker_accepts("V1.0", "v1.0", MatchStrategy.STRICT)  # case-sensitive
    assert not worker_accepts(None, "", MatchStrategy.STRICT)  # null != ""
    assert worker_accepts("1.0", "2.0", MatchStrategy.CURRENT_OR_OLDER)
    assert worker_accepts("2.0", "2.0", MatchStrategy.CURRENT_OR_OLDER)
    assert not worker_accepts("2.1", "2.0", MatchStrategy.CURRENT_OR_OLDER)
    # No defaultVersion under CurrentOrOlder rejects every versioned instance.
    assert not worker_accepts("1.0", None, MatchStrategy.CURRENT_OR_OLDER)
    assert worker_accepts(None, None, MatchStrategy.CURRENT_OR_OLDER)


component = st.integers(min_value=0, max_value=2**31 - 1)
dotted = st.lists(component, min_size=2, max_size=4).map(lambda c: ".".join(map(str, c)))
anything = st.one_of(st.none(), st.text(max_size=12), dotted)


def reference(a: str, b: str) -> int:
    """Straightforward reference for two well-formed dotted versions."""
    pa = [int(x) for x in a.split(".")] + [-1] * (4 - len(a.split(".")))
    pb = [int(x) for x in b.split(".")] + [-1] * (4 - len(b.split(".")))
    return (pa > pb) - (pa < pb)


@given(dotted, dotted)
def test_agrees_with_a_reference_on_dotted_versions(a: str, b: str) -> None:
    assert compare_versions(a, b) == reference(a, b)


@given(anything, anything)
def test_antisymmetric(a: str | None, b: str | None) -> None:
    assert compare_versions(a, b) == -compare_versions(b, a)


@given(dotted, dotted, dotted)
def test_transitive_on_versions(a: str, b: str, c: str) -> None:
    if compare_versions(a, b) <= 0 and compare_versions(b, c) <= 0:
        assert compare_versions(a, c) <= 0


# Strings that never parse as versions ("v" cannot start a number). Mixed sets are not
# transitive in DurableTask itself: "1.10" < "1.1x" < "1.9" as strings, yet 1.10 > 1.9.
label = st.text(max_size=8).map(lambda s: "v" + s)


@given(label, label, label)
def test_transitive_on_strings(a: str, b: str, c: str) -> None:
    if compare_versions(a, b) <= 0 and compare_versions(b, c) <= 0:
        assert compare_versions(a, c) <= 0
