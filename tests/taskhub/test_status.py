import pytest

from taskhub.history import ORCHESTRATION_STATUS
from taskhub.status import RuntimeStatus, is_finished
from tests.support.core_statuses import core_statuses


@pytest.mark.parametrize("status", ["Completed", "Failed", "Canceled", "Terminated"])
def test_terminal_statuses_are_finished(status: str) -> None:
    assert is_finished(status)


@pytest.mark.parametrize(
    "status", ["Pending", "Running", "Suspended", "ContinuedAsNew", "Paused", "", "completed", None]
)
def test_everything_else_is_not_finished(status: str | None) -> None:
    # Unknown strings, a different case and a missing value all fail safe.
    assert not is_finished(status)


def test_enum_covers_the_runtime_strings() -> None:
    assert {s.value for s in RuntimeStatus} == set(core_statuses().values())


def test_the_numbers_history_events_carry_are_cores() -> None:
    numbers = {name: number for number, name in core_statuses().items()}
    assert numbers == ORCHESTRATION_STATUS
