"""Stand-ins for Azure, never shipped: the wheel leaves this package out.

Azurite's launcher, the ARM stand-in, the host and history simulators, the version app,
helper servers, replay variants and `rehearsal` (`make run`). Tests, `bench/` and
`make run` import it from the checkout; shipped code never imports it.
"""

from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
"""The checkout the stand-ins run from: apps/, node_modules/ and the Pulumi project are here."""
