"""The routing part of `make run`: two versions behind the router, then a retirement.

Stand-ins: Azurite plays the shared tracking store account; two small ASGI apps under
uvicorn play the 1.0 and 1.1 function apps (they only say who they are); the host
simulator writes the old version's in-flight instance. The router and the stages are the
real ones.
"""

from __future__ import annotations

import json
from contextlib import ExitStack
from pathlib import Path

import httpx
from azure.data.tables import TableServiceClient

from standins import CHECKOUT
from standins.azurite import Account, Azurite, free_port
from standins.host_simulator import DurableHostSimulator, SimulatedInstance
from standins.rehearsal.console import cli, console, section
from standins.serve import uvicorn_app
from taskhub.app_service_plans import PRODUCTION_SLOT
from taskhub.hubs import DEFAULT_TRACKING_PREFIX, TaskHub
from taskhub.routes import (
    ROUTER_ALLOWED_HOSTS_SETTING,
    ROUTER_PUBLIC_URL_SETTING,
    ROUTER_STORAGE_SETTING,
)

TRACKING = Account("ordersrttrack", "cm91dGluZy1yZWhlYXJzYWwta2V5LXJvdXRpbmctcmVoZWFyc2Fs")


def rehearse_routing(workdir: Path) -> int:
    section("Routing: plan the routing stack (one app per major.minor)")
    planned = cli("plan", "--stack", "routing", "--json", capture=True)
    if planned.returncode != 0:
        console.print(planned.stdout + planned.stderr, markup=False)
        return 2
    outputs = json.loads(planned.stdout)["outputs"]
    stack_output = workdir / "routing.json"
    stack_output.write_text(json.dumps(outputs))
    for name, app in outputs["apps"].items():
        hub = app["slots"][PRODUCTION_SLOT]["taskHub"]
        console.print(f"  {name}: version {app['version']}, hub {hub}")

    with ExitStack() as stack:
        azurite = stack.enter_context(Azurite((TRACKING,)))
        conn = azurite.connection_string(TRACKING.name)
        apps = {
            minor: stack.enter_context(
                uvicorn_app("standins.version_app:app", CHECKOUT, {"STAND_IN_NAME": name})
            )
            for name, minor in ((n, a["minor"]) for n, a in outputs["apps"].items())
        }
        store = ["--stack-output", str(stack_output), "--connection-string", conn]
        section("Stage: routes sync (local stand-ins replace the apps' host names)")
        overrides = [arg for minor, url in apps.items() for arg in ("--base-url", f"{minor}={url}")]
        cli("routes", "sync", *store, *overrides)

        service = TableServiceClient.from_connection_string(conn)
        old_hub = outputs["apps"]["orders-v1-0"]["slots"][PRODUCTION_SLOT]["taskHub"]
        host = DurableHostSimulator(
            service, TaskHub(old_hub, tracking_prefix=DEFAULT_TRACKING_PREFIX)
        )
        host.create_hub()
        host.write(SimulatedInstance("order-77", "ProcessOrder", "Running", "1.0.3"))

        port = free_port()
        router = stack.enter_context(
            uvicorn_app(
                "router.local:app",
                CHECKOUT / "apps" / "router",
                {
                    ROUTER_STORAGE_SETTING: conn,
                    "PYTHONPATH": str(CHECKOUT),
                    "RouterRefreshSeconds": "0.5",
                    # The stand-in apps are on loopback, not on an Azure app domain.
                    ROUTER_ALLOWED_HOSTS_SETTING: "http://127.0.0.1",
                    ROUTER_PUBLIC_URL_SETTING: f"http://127.0.0.1:{port}",
                },
                port=port,
            )
        )
        section("The router at work")
        for label, path, headers in (
            ("x-app-version: 1.0.9", "/api/orders", {"x-app-version": "1.0.9"}),
            ("x-app-version: 1.1", "/api/orders", {"x-app-version": "1.1"}),
            ("no version (current)", "/api/orders", {}),
            (
                "event to old instance order-77",
                "/runtime/webhooks/durabletask/instances/order-77/raiseEvent/Approve",
                {"x-app-version": "1.1"},
            ),
            ("x-app-version: 2.0", "/api/orders", {"x-app-version": "2.0"}),
        ):
            reply = httpx.post(router + path, headers=headers, content=b"{}", timeout=10)
            console.print(f"  {label:32} -> {reply.status_code} {reply.text}", markup=False)

        section("Stage: drain 1.0, then retire it")
        cli("routes", "drain", "1.0", *store)
        for attempt in ("while order-77 runs", "after order-77 completed"):
            if attempt.startswith("after"):
                host.transition("order-77", "Completed")
            console.print(f"$ durable-deploy routes retire 1.0   ({attempt})")
            retired = cli("routes", "retire", "1.0", *store)
            console.print(f"  (exit {retired.returncode})")
        return 0 if retired.returncode == 0 else 1
