"""Shared fixtures: a real Azurite on free loopback ports, and the CLI run as a process.

Only fixtures live here; what tests import by name is in tests/support/helpers.py.
"""

from __future__ import annotations

import itertools
import os
from collections.abc import Iterator

import pytest
from azure.data.tables import TableServiceClient

from scripts.stages import polling
from standins.azurite import DEV_ACCOUNT, Account, Azurite
from standins.host_simulator import DurableHostSimulator
from taskhub.hubs import TaskHub
from tests.support.fake_clock import DrivenClock
from tests.support.helpers import SECRET_ACCOUNT, Cli

_hub_numbers = itertools.count(1)
pytest_plugins = ("tests.support.arm_fixtures",)


@pytest.fixture(scope="session")
def azurite() -> Iterator[Azurite]:
    with Azurite((Account(DEV_ACCOUNT), SECRET_ACCOUNT), blobs=True) as emulator:
        yield emulator


@pytest.fixture
def hub_name() -> str:
    """A fresh hub per test, so tests sharing one Azurite never see each other's rows."""
    return f"hub{os.getpid()}n{next(_hub_numbers)}"


@pytest.fixture
def service(azurite: Azurite) -> Iterator[TableServiceClient]:
    with TableServiceClient.from_connection_string(
        azurite.connection_string(SECRET_ACCOUNT.name)
    ) as client:
        yield client


@pytest.fixture
def host(service: TableServiceClient, hub_name: str) -> DurableHostSimulator:
    simulator = DurableHostSimulator(service, TaskHub(hub_name))
    simulator.create_hub()
    return simulator


@pytest.fixture(scope="session")
def cli() -> Cli:
    """The one way a test runs `durable-deploy`: `cli(*args)` or `cli.popen(*args)`."""
    return Cli()


@pytest.fixture
def fake_clock(monkeypatch: pytest.MonkeyPatch) -> DrivenClock:
    """Every wait of a command this test runs in process (`cli(...)`) on driven time: its
    interval and timeout pass as soon as it sleeps, and `fake_clock.after(...)` changes the
    hub at a chosen point of the wait (tests/support/fake_clock.py)."""
    time = DrivenClock()
    monkeypatch.setattr(polling, "process_clock", time.clock)
    return time
