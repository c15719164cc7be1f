"""`%NAME%` in hubName, resolved as the Functions host resolves it.

Expected values follow azure-webjobs-sdk `NameResolverExtensions.ResolveWholeStringCore`
and `DefaultNameResolver` (tests `DefaultNameResolverTests`: a null or empty name resolves
to null), and .NET configuration (keys ignore case; an environment variable `A__B` is the
key `A:B`). The host itself (.NET) cannot run here, so the cases are written from those
sources, one per rule they state.
"""

from __future__ import annotations

import pytest

from taskhub.name_resolver import (
    Resolution,
    Resolved,
    Unknown,
    Unresolvable,
    references,
    resolve,
)

SETTINGS: dict[str, object] = {
    "TASKHUB_NAME": "OrdersStaging",
    "Slot": "Canary",
    "Hubs__Billing": "Billing",
    "EMPTY": "",
    "LATER": None,  # set, value not known yet (a preview)
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Orders", Resolved("Orders")),  # no token: taken as written
        ("%TASKHUB_NAME%", Resolved("OrdersStaging")),
        ("%taskhub_name%", Resolved("OrdersStaging")),  # configuration keys ignore case
        ("Orders%Slot%", Resolved("OrdersCanary")),  # every token, text around kept
        ("%Slot%%Slot%", Resolved("CanaryCanary")),
        ("%Hubs:Billing%", Resolved("Billing")),  # the setting Hubs__Billing is Hubs:Billing
        ("%EMPTY%", Resolved("")),  # an empty setting is a value, not null
    ],
)
def test_what_resolves(value: str, expected: Resolution) -> None:
    assert resolve(value, SETTINGS) == expected


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("%MISSING%", "no app setting MISSING"),
        ("%Hubs__Billing%", "write %Hubs:Billing%"),  # __ is never looked up as written
        ("Orders%Slot", "has no closing '%'"),
        ("%%", "names no setting"),  # DefaultNameResolver: an empty name is null
        ("%Slot%-%MISSING%", "no app setting MISSING"),  # one failure fails the whole string
    ],
)
def test_what_does_not_resolve(value: str, says: str) -> None:
    found = resolve(value, SETTINGS)
    assert isinstance(found, Unresolvable) and says in found.reason
    assert found.value == value  # the host keeps the name as written


@pytest.mark.parametrize("value", ["%LATER%", "%WEBSITE_SITE_NAME%", "Orders%website_slot_name%"])
def test_what_cannot_be_known_here(value: str) -> None:
    assert isinstance(resolve(value, SETTINGS), Unknown)


def test_a_platform_name_set_as_an_app_setting_resolves() -> None:
    assert resolve("%WEBSITE_SLOT_NAME%", {"WEBSITE_SLOT_NAME": "canary"}) == Resolved("canary")


def test_resolved_hubs_compare_without_case() -> None:
    assert Resolved("Orders").key == Resolved("ORDERS").key


def test_references_name_the_settings_a_value_reads() -> None:
    assert references("a%One%b%Two:x%c%open") == ["One", "Two:x"]
