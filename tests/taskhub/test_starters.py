"""Quiesce and resume as pure functions over a slot's whole settings collection."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from taskhub.starters import (
    MARKER_SETTING,
    disabled_setting,
    function_name_problem,
    quiesced,
    quiesced_functions,
    resumed,
)

names = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,10}", fullmatch=True)
settings = st.dictionaries(
    st.one_of(names, names.map(disabled_setting)), st.sampled_from(["true", "false", "1", "x"])
)


@given(settings, st.lists(names, max_size=4))
def test_resume_after_quiesce_gives_back_exactly_the_settings(
    before: dict[str, str], functions: list[str]
) -> None:
    once = quiesced(before, functions)
    assert all(once.settings[disabled_setting(f)] == "true" for f in functions)
    assert quiesced(once.settings, functions).changed == ()
    assert resumed(once.settings).settings == before
    assert resumed(before).changed == ()


@given(settings, st.lists(names, min_size=1, max_size=3), st.lists(names, max_size=3))
def test_quiescing_more_later_still_restores_the_first_values(
    before: dict[str, str], first: list[str], later: list[str]
) -> None:
    step = quiesced(quiesced(before, first).settings, later)
    assert resumed(step.settings).settings == before


def test_other_settings_are_untouched() -> None:
    before = {"A": "1", "AzureWebJobs.Start.Disabled": "false"}
    change = quiesced(before, ["Start"])
    assert change.changed == ("AzureWebJobs.Start.Disabled", MARKER_SETTING)
    assert change.settings["A"] == "1"
    assert quiesced_functions(change.settings) == {"Start": "false"}


def test_a_tampered_marker_is_refused() -> None:
    with pytest.raises(ValueError, match="by hand"):
        resumed({MARKER_SETTING: "[1]"})


@pytest.mark.parametrize("name", ["", "1Start", "Start Order", "a;b", "x" * 200])
def test_bad_function_names(name: str) -> None:
    assert function_name_problem(name)
