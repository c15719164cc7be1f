"""The Durable Task Scheduler part of `make run` passes, each stage at its expected exit."""

from __future__ import annotations

from pathlib import Path

import pytest

from standins.rehearsal.scheduler import rehearse_scheduler


@pytest.mark.slow
def test_the_scheduler_rehearsal_passes(tmp_path: Path) -> None:
    assert rehearse_scheduler(tmp_path) == 0
