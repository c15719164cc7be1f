"""`make run`'s lint part: apps/orders passes and the planted clock read is caught."""

from __future__ import annotations

from pathlib import Path

import pytest

from standins.rehearsal.lint import rehearse_lint

pytestmark = pytest.mark.slow


def test_the_rehearsal_passes_the_sample_and_catches_the_planted_clock(tmp_path: Path) -> None:
    assert rehearse_lint(tmp_path) == 0
    planted = (tmp_path / "orders-planted" / "orders" / "orchestration.py").read_text()
    assert "datetime.now()  # planted" in planted
