"""ProcessOrder, versioned the documented way: one orchestrator, branching on its version.

Instances started under 1.0 (or before versioning, with no version) keep replaying the
1.0 path after 2.0 ships; only new instances take the 2.0 path. The comparison is
DurableTask's own (`compare_versions`), so "1.0" and "1.0.0" or "10" and "9" compare as the
runtime compares them.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from taskhub.versions import compare_versions

LEGACY_VERSION = "1.0"


def process_order(context: Any) -> Generator[Any, Any, dict[str, Any]]:
    order = context.get_input() or {}
    if compare_versions(context.version, LEGACY_VERSION) <= 0:
        validated = yield context.call_activity("ValidateOrder", order)
        payment = yield context.call_activity("ProcessPayment", validated)
    else:
        validated = yield context.call_activity("ValidateOrder", order)
        discounted = yield context.call_activity("ApplyDiscount", validated)
        payment = yield context.call_activity("ProcessPaymentWithDiscount", discounted)
    shipment = yield context.call_activity("ShipOrder", payment)
    return {"order": order.get("id"), "shipment": shipment, "version": context.version}


def validate_order(order: dict[str, Any]) -> dict[str, Any]:
    if not order.get("id"):
        raise ValueError("an order needs an id")
    return {**order, "valid": True}


def apply_discount(order: dict[str, Any]) -> dict[str, Any]:
    return {**order, "amount": round(float(order.get("amount", 0)) * 0.9, 2)}


def process_payment(order: dict[str, Any]) -> dict[str, Any]:
    return {**order, "paid": True}


def ship_order(order: dict[str, Any]) -> str:
    return f"shipment-{order.get('id')}"
