"""A loopback stand-in for the few Azure Resource Manager endpoints the release stages call.

No ARM emulator exists, so tests and `make run` drive the real `azure-mgmt-web` client
against this server. It follows Microsoft.Web's contract (azure-rest-api-specs
specification/web/resource-manager/Microsoft.Web/AppService/stable/2025-05-01/WebApps.json,
api-version 2025-05-01) for what we call, and nothing more; tests/standins/test_arm_contract.py
checks every route and returned field against the SDK built from that specification.

- GET .../sites/{name}[/slots/{slot}]                          (WebApps_Get, WebApps_GetSlot)
- POST .../config/appsettings/list, PUT .../config/appsettings (WebApps_ListApplicationSettings,
  WebApps_UpdateApplicationSettings: a whole-collection replace, which is why quiesce merges)
- GET .../config/slotConfigNames                               (WebApps_ListSlotConfigurationNames)
- POST .../[slots/{slot}/]slotsswap {"targetSlot"}: the slot in the path is the **source**,
  `targetSlot` the destination (WebApps_SwapSlot: "Name of the source slot"); 202 with
  Location under the source's path (.../slots/staging/operationresults/{id}, as App Service
  answers, microsoft/azure-pipelines-tasks#13003), 202 while it runs, then 200, or 400 with
  App Service's cause when the swap failed (#5566, #12835, #15068 there)
- POST .../[slots/{slot}/]applySlotConfig {"targetSlot"} and .../resetSlotConfig
  (WebApps_ApplySlotConfigurationSlot, WebApps_ResetSlotConfigurationSlot)

What a swap does to the slots is `slots.py`; the routes are `server.py`, the fault switches
`faults.py`, the error bodies `errors.py`, TLS `tls.py`. The site lock: while a swap runs,
every write answers 409 "Cannot modify this site because another operation is in progress"
(microsoft/azure-pipelines-tasks#11384); while a swap with preview is pending, settings
writes and other swaps answer 409 "The slot cannot be changed because its configuration
settings have been prepared for swap" (Azure/azure-cli#27820). ARM's own refusals (sign-in,
permission, missing resource) use ARM's {"error": {"code", "message"}}; App Service's use
its own {"Code", "Message", "Target", "Details", "Innererror"} (errors.py).

Tokens come from its App Service managed identity endpoint (IDENTITY_ENDPOINT and
IDENTITY_HEADER), so DefaultAzureCredential runs its own managed-identity code path and
no secret of ours is involved. It serves TLS with a certificate made for the run: azure-core
refuses to send a bearer token over plain HTTP, and so it should.

Every ARM call is recorded in `calls` (method, path, JSON body). Fault switches for tests:
`faults.status` answers every ARM call with that status (401, 403), `faults.burst` answers
the next calls with the listed statuses (500 bursts), `faults.swap_seconds` makes swaps
slow, `faults.swap_status` refuses them, `faults.refuse` refuses any call by its last path
segment, `faults.swap_failure` makes the next swap's poll
end in 400 with that message, `faults.settings_lost` applies settings writes but loses
their answers, and `faults.accepted_then` accepts the next swap but answers
it with that status (a gateway 5xx after the work began), so azure-core retries the POST.
"""

from standins.arm.faults import ArmCall, Faults
from standins.arm.server import API_VERSION, PREPARED_FOR_SWAP, ArmStandIn
from standins.arm.slots import SiteState, SlotState
from standins.arm.tls import RunningArm, running_arm

__all__ = [
    "API_VERSION",
    "PREPARED_FOR_SWAP",
    "ArmCall",
    "ArmStandIn",
    "Faults",
    "RunningArm",
    "SiteState",
    "SlotState",
    "running_arm",
]
