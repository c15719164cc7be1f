"""Edited copies of the sample app's ProcessOrder, for the replay check to judge.

Each changes one thing against apps/orders/orders/orchestration.py; the 1.0 edits must be
caught for in-flight 1.0 instances, the 2.0-only edit must leave them alone.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from orders.orchestration import LEGACY_VERSION, PAYMENT_RETRY, SETTLE

from taskhub.versions import compare_versions

Flow = Generator[Any, Any, Any]


def _current(
    context: Any, order: Any, discount: str = "ApplyDiscount", ship: str = "ShipOrder"
) -> Flow:
    validated = yield context.call_activity("ValidateOrder", order)
    discounted = yield context.call_activity(discount, validated)
    payment = yield context.call_activity_with_retry(
        "ProcessPaymentWithDiscount", PAYMENT_RETRY, discounted
    )
    return (yield context.call_activity(ship, payment))


def _legacy(context: Any) -> bool:
    return compare_versions(context.version, LEGACY_VERSION) <= 0


def reordered(context: Any) -> Flow:
    """1.0 charges before validating."""
    order = context.get_input()
    if not _legacy(context):
        return (yield from _current(context, order))
    payment = yield context.call_activity("ProcessPayment", order)
    yield context.call_activity("ValidateOrder", payment)
    yield context.create_timer(context.current_utc_datetime + SETTLE)
    return (yield context.call_activity("ShipOrder", payment))


def renamed(context: Any) -> Flow:
    """1.0 calls ProcessPayment by a new name."""
    order = context.get_input()
    if not _legacy(context):
        return (yield from _current(context, order))
    validated = yield context.call_activity("ValidateOrder", order)
    payment = yield context.call_activity("ChargeCard", validated)
    yield context.create_timer(context.current_utc_datetime + SETTLE)
    return (yield context.call_activity("ShipOrder", payment))


def inserted(context: Any) -> Flow:
    """1.0 gains a fraud check between validation and payment."""
    order = context.get_input()
    if not _legacy(context):
        return (yield from _current(context, order))
    validated = yield context.call_activity("ValidateOrder", order)
    checked = yield context.call_activity("CheckFraud", validated)
    payment = yield context.call_activity("ProcessPayment", checked)
    yield context.create_timer(context.current_utc_datetime + SETTLE)
    return (yield context.call_activity("ShipOrder", payment))


def timer_moved(context: Any) -> Flow:
    """1.0 waits before paying instead of before shipping."""
    order = context.get_input()
    if not _legacy(context):
        return (yield from _current(context, order))
    validated = yield context.call_activity("ValidateOrder", order)
    yield context.create_timer(context.current_utc_datetime + SETTLE)
    payment = yield context.call_activity("ProcessPayment", validated)
    return (yield context.call_activity("ShipOrder", payment))


def current_path_only(context: Any) -> Flow:
    """Only 2.0 changes (a coupon step replaces the discount); 1.0 is untouched."""
    order = context.get_input()
    if not _legacy(context):
        return (yield from _current(context, order, discount="ApplyCoupon"))
    validated = yield context.call_activity("ValidateOrder", order)
    payment = yield context.call_activity("ProcessPayment", validated)
    yield context.create_timer(context.current_utc_datetime + SETTLE)
    return (yield context.call_activity("ShipOrder", payment))


def broken(context: Any) -> Flow:
    """1.0 now fails on the input it was started with."""
    order = context.get_input()
    if _legacy(context):
        raise KeyError("customer")
    return (yield from _current(context, order))


def shipping_renamed(context: Any) -> Flow:
    """2.0 ships through a new activity: only instances past their payment can see it."""
    order = context.get_input()
    if _legacy(context):
        return (yield from reordered(context))
    return (yield from _current(context, order, ship="DispatchOrder"))
