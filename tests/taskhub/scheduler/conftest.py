"""Fixtures: the scheduler stand-in on free loopback ports, stopped after each test."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from standins.scheduler.server import Address, SchedulerStandIn

StartStandIn = Callable[..., tuple[SchedulerStandIn, Address]]


@pytest.fixture
def start_standin() -> Iterator[StartStandIn]:
    """`start_standin(hubs, **options)` -> (stand-in, address); every one is stopped."""
    started: list[SchedulerStandIn] = []

    def start(
        hubs: tuple[str, ...] = ("orders",), **options: Any
    ) -> tuple[SchedulerStandIn, Address]:
        tls = options.pop("tls", None)
        stand_in = SchedulerStandIn(hubs, **options)
        started.append(stand_in)
        return stand_in, stand_in.start(tls)

    yield start
    for stand_in in started:
        stand_in.stop()
