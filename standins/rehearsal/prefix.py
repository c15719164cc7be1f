"""The prefix-mode part of `make run`: a breaking edit on a path nothing is on right now.

Stand-ins, said plainly: Azurite plays the hub's storage account; the history simulator
plays the Durable Task runtime, recording orders through the sample app's ProcessOrder.
This week's 2.0 orders completed, one after a payment retry; the two in flight now wait on
their discount. An edit renames 2.0's shipping activity: the in-flight instances have not
reached it (to them it is new work, rightly), but any order waiting on ShipOrder when the
code ships would break; replaying the completed histories' prefixes finds it now.
"""

from __future__ import annotations

import os

from standins.azurite import Azurite
from standins.rehearsal.console import cli, console, section
from standins.rehearsal.hubs import APP_DIR, Order, record_orders
from taskhub.hubs import TaskHub

HUB = TaskHub("OrdersPrefix")
EDIT = "standins.replay_variants:shipping_renamed"
"""2.0 ships through DispatchOrder instead of ShipOrder."""


def _seed(connection: str) -> None:
    completed: list[Order] = [
        (f"order-31{n}", {"ProcessPaymentWithDiscount": n % 2}, 100) for n in range(3)
    ]
    waiting: list[Order] = [(f"order-32{n}", {}, 2) for n in range(2)]
    record_orders(connection, HUB, [*completed, *waiting], amount=30)
    console.print(
        f"Hub {HUB.name}: 3 orders (2.0) completed this week, one after a payment retry; 2 in "
        "flight, waiting on their discount.\nThe edit renames 2.0's shipping activity "
        "(ShipOrder -> DispatchOrder)."
    )


def rehearse_prefix() -> int:
    section("Replay check, prefix mode: an edit on a path no instance is on right now")
    with Azurite(blobs=True) as azurite:
        connection = azurite.connection_string()
        _seed(connection)
        env = {**os.environ, "DURABLE_DEPLOY_CONNECTION_STRING": connection}
        base = ["replay-check", "--hub", HUB.name, "--app-dir", str(APP_DIR), "--function", EDIT]
        runs = []
        for extra, meaning in (
            ([], "in-flight histories only: none has reached shipping"),
            (["--completed-since", "7d"], "and every prefix of this week's completed histories"),
        ):
            console.print(f"$ durable-deploy {' '.join(base + extra)}   # {meaning}", markup=False)
            runs.append(cli(*base, *extra, env=env).returncode)
            console.print(f"  (exit {runs[-1]})")
    if runs != [0, 1]:
        console.print(f"[bold red]Expected exits 0 then 1, got {runs}: rehearsal failed.")
        return 1
    console.print(
        "[bold green]The in-flight check passed the edit; the prefix mode caught it before "
        "an order waiting on ShipOrder meets it."
    )
    return 0
