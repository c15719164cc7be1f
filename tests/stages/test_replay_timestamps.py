"""The replay's reading of event times gives exactly what dateutil gives the SDK."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from dateutil.parser import parse as dateutil_parse
from hypothesis import given
from hypothesis import strategies as st

from scripts.stages.replay.judge import context_body
from scripts.stages.replay.numbering import Orchestration, run_sdk
from scripts.stages.replay.timestamps import parse
from taskhub.history import _iso
from tests.stages.test_replay_input import _started_with, by_type


def _same(text: str) -> None:
    try:
        expected: object = dateutil_parse(text)
    except (ValueError, OverflowError) as exc:
        expected = (type(exc), str(exc))
    try:
        got: object = parse(text)
    except (ValueError, OverflowError) as exc:
        got = (type(exc), str(exc))
    assert got == expected, text
    if isinstance(got, datetime) and isinstance(expected, datetime):
        assert type(got.tzinfo) is type(expected.tzinfo)


@given(st.datetimes(min_value=datetime(1000, 1, 1), timezones=st.just(UTC)))
def test_the_readers_own_form_reads_as_dateutil_reads_it(moment: datetime) -> None:
    _same(_iso(moment))


@given(st.from_regex(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,8})?(Z|\+00:00)?", fullmatch=True))
def test_any_text_of_about_that_form_reads_as_dateutil_reads_it(text: str) -> None:
    _same(text)


def test_the_sdk_reads_event_times_through_it(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[str] = []

    def counting(text: str) -> datetime:
        seen.append(text)
        return parse(text)

    monkeypatch.setattr("scripts.stages.replay.timestamps.parse", counting)
    history = _started_with(5).history()
    run_sdk(Orchestration(by_type), context_body(history))
    assert seen == [e["Timestamp"] for e in history.events]
