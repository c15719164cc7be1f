"""Hosting plans: which SKU belongs to which plan family, and how many slots it allows.

Counts include the production slot (Azure Functions deployment slots documentation):
Consumption 2, Elastic Premium 3, Flex Consumption none, Dedicated by tier.
"""

from __future__ import annotations

import re
from enum import StrEnum

PRODUCTION_SLOT = "production"
"""The slot every site has: ARM addresses it as the site itself (`sites/{name}`), the
others as `sites/{name}/slots/{slot}`."""


class PlanFamily(StrEnum):
    CONSUMPTION = "Consumption"
    FLEX_CONSUMPTION = "FlexConsumption"
    ELASTIC_PREMIUM = "ElasticPremium"
    DEDICATED = "Dedicated"


_DEDICATED_TIERS = (
    (re.compile(r"^[FD]\d$"), 1),  # Free, Shared
    (re.compile(r"^B\d$"), 1),  # Basic
    (re.compile(r"^S\d$"), 5),  # Standard
    (re.compile(r"^P\d+(V2|V3|MV3)?$"), 20),  # Premium
    (re.compile(r"^I\d+(V2)?$"), 20),  # Isolated
)


def plan_family(sku: str) -> PlanFamily:
    name = sku.strip().upper()
    if name == "Y1":
        return PlanFamily.CONSUMPTION
    if name == "FC1":
        return PlanFamily.FLEX_CONSUMPTION
    if re.fullmatch(r"EP[123]", name):
        return PlanFamily.ELASTIC_PREMIUM
    if any(pattern.match(name) for pattern, _ in _DEDICATED_TIERS):
        return PlanFamily.DEDICATED
    raise ValueError(
        f"unknown plan SKU {sku!r}; use Y1 (Consumption), FC1 (Flex Consumption), "
        "EP1-EP3 (Elastic Premium) or a Dedicated SKU such as B1, S1, P1v3"
    )


def max_slots(sku: str) -> int:
    """Slots the SKU allows, production included."""
    family = plan_family(sku)
    if family is PlanFamily.CONSUMPTION:
        return 2
    if family is PlanFamily.FLEX_CONSUMPTION:
        return 1
    if family is PlanFamily.ELASTIC_PREMIUM:
        return 3
    name = sku.strip().upper()
    return next(count for pattern, count in _DEDICATED_TIERS if pattern.match(name))
