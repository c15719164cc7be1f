"""The hubs the rehearsal seeds, and the sample app it seeds them from.

A hub whose Instances rows the host simulator writes (on a connection, or on an Azurite of
its own), and the sample app's 2.0 orders recorded into one by the history simulator: its
real ProcessOrder and activities, driven as the runtime drives them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from azure.data.tables import TableServiceClient
from azure.durable_functions import Orchestrator
from azure.storage.blob import BlobServiceClient

from standins import CHECKOUT
from standins.azurite import Account, Azurite
from standins.history_simulator import HistoryWriter, Recorded, drive
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from taskhub.hubs import TaskHub
from taskhub.status import RuntimeStatus

APP_DIR = Path(os.path.relpath(CHECKOUT / "apps" / "orders"))
"""The sample app, relative to the checkout as the commands shown are given it."""
Order = tuple[str, dict[str, int], int]
"""An order to record: its instance id, failures by activity name, and recorded steps."""


@contextmanager
def simulated_hub(connection: str, hub: TaskHub) -> Iterator[DurableHostSimulator]:
    """`hub` created on `connection`, its Instances rows written by the host simulator."""
    with TableServiceClient.from_connection_string(connection) as service:
        host = DurableHostSimulator(service, hub)
        host.create_hub()
        yield host


@contextmanager
def hub_on_azurite(account: Account, hub: TaskHub) -> Iterator[tuple[str, DurableHostSimulator]]:
    """An Azurite serving `account` alone, its connection string, and `hub` simulated there."""
    with Azurite((account,)) as azurite:
        connection = azurite.connection_string(account.name)
        with simulated_hub(connection, hub) as host:
            yield connection, host


def record_orders(connection: str, hub: TaskHub, orders: Iterable[Order], amount: int) -> None:
    """Each order started at 2.0 with `amount`, recorded in `hub`'s history with its
    Instances row, whose status is the run's own: Completed once it ended, else Running."""
    sys.path.insert(0, str(APP_DIR))
    from orders import orchestration

    activities = {
        "ValidateOrder": orchestration.validate_order,
        "ApplyDiscount": orchestration.apply_discount,
        "ProcessPayment": orchestration.process_payment,
        "ProcessPaymentWithDiscount": orchestration.process_payment,
        "ShipOrder": orchestration.ship_order,
    }
    with simulated_hub(connection, hub) as host:
        blobs = BlobServiceClient.from_connection_string(connection)
        writer = HistoryWriter(host.service, blobs, hub)
        for instance_id, failures, steps in orders:
            run = drive(
                Orchestrator.create(orchestration.process_order),
                activities,
                instance_id=instance_id,
                version="2.0",
                input={"id": instance_id, "amount": amount},
                steps=steps,
                failures=failures,
            )
            writer.write(run)
            host.write(
                SimulatedInstance(
                    instance_id, run.name, _status(run), "2.0", execution_id=run.execution_id
                )
            )


def _status(run: Recorded) -> RuntimeStatus:
    """What DurableTask.AzureStorage's Instances row says of `run`: the status its
    ExecutionCompleted carries, else Running."""
    ended = [e for e in run.events if e["EventType"] == "ExecutionCompleted"]
    return RuntimeStatus(ended[-1]["OrchestrationStatus"]) if ended else RuntimeStatus.RUNNING
