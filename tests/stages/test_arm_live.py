"""preview -> complete -> reset on a real subscription's throwaway app, through the same
`AppSlots` the release uses: a maintainer with a subscription settles here what the ARM
stand-in assumes (who restarts, the settings lock, what moves), and sees App Service's own
answers with `-s`. Skipped unless DURABLE_DEPLOY_LIVE_* name the app (docs/standins.md)."""

from __future__ import annotations

import os
import secrets

import pytest

from scripts.stages.app_service_errors import Refusal
from scripts.stages.arm import ARM_ENDPOINT_ENV, AppRef, AppSlots, ArmError, open_slots
from taskhub.app_service_plans import PRODUCTION_SLOT as PRODUCTION

pytestmark = pytest.mark.azure
NAMES = ("SUBSCRIPTION", "RESOURCE_GROUP", "APP")
LIVE = {name: os.environ.get(f"DURABLE_DEPLOY_LIVE_{name}", "") for name in NAMES}
STAGING = os.environ.get("DURABLE_DEPLOY_LIVE_SLOT", "staging")
PROBE = "DurableDeploy__LiveProbe"


@pytest.fixture
def slots() -> AppSlots:
    if not all(LIVE.values()):
        pytest.skip("set DURABLE_DEPLOY_LIVE_SUBSCRIPTION, _RESOURCE_GROUP and _APP")
    ref = AppRef(LIVE["SUBSCRIPTION"], LIVE["RESOURCE_GROUP"], LIVE["APP"])
    return open_slots(ref, os.environ.get(ARM_ENDPOINT_ENV), retries=3)


def merged(slots: AppSlots, slot: str, **changes: str | None) -> None:
    settings = {**slots.settings(slot), **changes}
    slots.replace_settings(slot, {k: v for k, v in settings.items() if v is not None})


def test_preview_complete_reset_on_a_real_app(slots: AppSlots) -> None:
    sticky = slots.sticky_settings()
    probe = secrets.token_hex(4)
    merged(slots, STAGING, **{PROBE: probe})
    production = slots.settings(PRODUCTION)
    try:
        slots.preview(STAGING, PRODUCTION)
        previewed = slots.settings(STAGING)
        assert {k: previewed.get(k) for k in sticky} == {k: production.get(k) for k in sticky}
        with pytest.raises(ArmError) as refused:
            merged(slots, PRODUCTION, **{PROBE: "locked?"})
        print(f"settings write during a preview: {refused.value.message}")
        assert refused.value.status == 409
        assert refused.value.refusal is Refusal.PREVIEW_PENDING
        slots.swap(STAGING, PRODUCTION, lambda s: print(f"  completing: {s:.0f}s"))
        after = slots.settings(PRODUCTION)
        assert after.get(PROBE) == probe, "non-sticky settings move with the code"
        assert {k: after.get(k) for k in sticky} == {k: production.get(k) for k in sticky}
        slots.reset(STAGING)  # nothing pending any more: a no-op that must succeed
    finally:
        slots.reset(STAGING)
        if slots.settings(PRODUCTION).get(PROBE) == probe:
            slots.swap(STAGING, PRODUCTION, lambda s: print(f"  swapping back: {s:.0f}s"))
        merged(slots, STAGING, **{PROBE: None})
