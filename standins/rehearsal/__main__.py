"""`make run`: a local rehearsal of the release stages, on stand-ins for Azure.

Stand-ins, said plainly: Azurite (from npm) plays the durable storage accounts, a host
simulator plays the Durable Functions host, a loopback TLS server plays Azure Resource
Manager and Pulumi's mock runtime plays the engine; Microsoft's in-memory durabletask backend,
driven by a real durabletask worker, plays the Durable Task Scheduler. The stages themselves
run for real, as a pipeline would run them, each part in its own module.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from standins.rehearsal.basics import PRODUCTION_SLOT, STACK, rehearse_basics
from standins.rehearsal.console import console, section
from standins.rehearsal.flex import rehearse_flex
from standins.rehearsal.lint import rehearse_lint
from standins.rehearsal.prefix import rehearse_prefix
from standins.rehearsal.release import rehearse_release
from standins.rehearsal.routing import rehearse_routing
from standins.rehearsal.scheduler import rehearse_scheduler


def main() -> int:
    section("durable-zero-downtime rehearsal (local stand-ins for Azure)")
    console.print(
        "Pulumi's mock runtime stands in for the Pulumi engine and Azure Resource Manager.\n"
        "Azurite (npm) plays the production slot's durable storage account "
        f"'{PRODUCTION_SLOT.name}'.\nA host simulator plays the Durable Functions host: it "
        "writes Instances rows as DurableTask.AzureStorage does.\nA loopback TLS server "
        "plays Azure Resource Manager for the release.\nMicrosoft's in-memory durabletask "
        "backend, with a real durabletask worker, plays the Durable Task Scheduler.\nThe "
        "stages run for real."
    )
    with tempfile.TemporaryDirectory(prefix="durable-rehearsal-") as workdir:
        code = rehearse_lint(Path(workdir)) or rehearse_basics(Path(workdir) / f"{STACK}.json")
        if code != 0:
            return code
        code = rehearse_release(Path(workdir) / f"{STACK}.json", Path(workdir))
        if code != 0:
            return code
        code = rehearse_prefix()
        if code != 0:
            return code

        code = rehearse_routing(Path(workdir))
        if code != 0:
            return code
        code = rehearse_flex(Path(workdir))
        if code != 0:
            return code
        return rehearse_scheduler(Path(workdir))


if __name__ == "__main__":
    sys.exit(main())
