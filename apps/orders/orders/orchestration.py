"""ProcessOrder, versioned the documented way: one orchestrator, branching on its version.

Instances started under 1.0 (or before versioning, with no version) keep replaying the
1.0 path after 2.0 ships; only new instances take the 2.0 path. The comparison is
DurableTask's own (`compare_versions`), so "1.0" and "1.0.0" or "10" and "9" compare as the
runtime compares them.
"""

from __future__ import annotations

from collections.abc import Generator
from datetime import timedelta
from typing import Any

import azure.durable_functions as df

from taskhub.versions import compare_versions

LEGACY_VERSION = "1.0"
SETTLE = timedelta(minutes=1)
"""1.0 waits for the payment to settle before shipping."""
PAYMENT_RETRY = df.RetryOptions(first_retry_interval_in_milliseconds=5000, max_number_of_attempts=3)
"""2.0 retries the payment provider instead of waiting."""


def process_order(context: Any) -> Generator[Any, Any, dict[str, Any]]:
    order = context.get_input() or {}
    if compare_versions(context.version, LEGACY_VERSION) <= 0:
        validated = yield context.call_activity("ValidateOrder", order)
        payment = yield context.call_activity("ProcessPayment", validated)
        yield context.create_timer(context.current_utc_datetime + SETTLE)
    else:
        validated = yield context.call_activity("ValidateOrder", order)
        discounted = yield context.call_activity("ApplyDiscount", validated)
        payment = yield context.call_activity_with_retry(
            "ProcessPaymentWithDiscount", PAYMENT_RETRY, discounted
        )
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
