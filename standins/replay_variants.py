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


def _process_order(
    context: Any,
    *,
    pay_first: bool = False,
    payment: str = "ProcessPayment",
    fraud_check: bool = False,
    settle_first: bool = False,
    discount: str = "ApplyDiscount",
    ship: str = "ShipOrder",
) -> Flow:
    """ProcessOrder with the edits asked for. On 1.0: charging before validating, the
    payment activity renamed, a CheckFraud between validation and payment, the settle wait
    before paying instead of before shipping. On 2.0: the discount or shipping activity
    renamed. With none, the app's own."""
    order = context.get_input()
    if not _legacy(context):
        validated = yield context.call_activity("ValidateOrder", order)
        discounted = yield context.call_activity(discount, validated)
        paid = yield context.call_activity_with_retry(
            "ProcessPaymentWithDiscount", PAYMENT_RETRY, discounted
        )
        return (yield context.call_activity(ship, paid))
    if pay_first:
        paid = yield context.call_activity(payment, order)
        yield context.call_activity("ValidateOrder", paid)
    else:
        checked = yield context.call_activity("ValidateOrder", order)
        if fraud_check:
            checked = yield context.call_activity("CheckFraud", checked)
        if settle_first:
            yield context.create_timer(context.current_utc_datetime + SETTLE)
        paid = yield context.call_activity(payment, checked)
    if not settle_first:
        yield context.create_timer(context.current_utc_datetime + SETTLE)
    return (yield context.call_activity("ShipOrder", paid))


def _legacy(context: Any) -> bool:
    return compare_versions(context.version, LEGACY_VERSION) <= 0


def reordered(context: Any) -> Flow:
    """1.0 charges before validating."""
    return (yield from _process_order(context, pay_first=True))


def renamed(context: Any) -> Flow:
    """1.0 calls ProcessPayment by a new name."""
    return (yield from _process_order(context, payment="ChargeCard"))


def inserted(context: Any) -> Flow:
    """1.0 gains a fraud check between validation and payment."""
    return (yield from _process_order(context, fraud_check=True))


def timer_moved(context: Any) -> Flow:
    """1.0 waits before paying instead of before shipping."""
    return (yield from _process_order(context, settle_first=True))


def current_path_only(context: Any) -> Flow:
    """Only 2.0 changes (a coupon step replaces the discount); 1.0 is untouched."""
    return (yield from _process_order(context, discount="ApplyCoupon"))


def broken(context: Any) -> Flow:
    """1.0 now fails on the input it was started with."""
    if _legacy(context):
        raise KeyError("customer")
    return (yield from _process_order(context))


def shipping_renamed(context: Any) -> Flow:
    """2.0 ships through a new activity: only instances past their payment can see it."""
    return (yield from _process_order(context, pay_first=True, ship="DispatchOrder"))
