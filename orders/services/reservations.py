"""What a pending order holds: units of limited stock, one use of its promo code, and the
customer's points it redeems.

Held at checkout under row locks, so none can be oversold or spent twice; converted when the
order is paid (the code's use counted and the points spent, exactly once); released when it
expires or fails. Every function here runs inside the caller's transaction, with the order row
locked by the caller.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import F, Q

from catalog.cache import invalidate_catalog_cache
from catalog.models import EsimPackage, StockType
from hiroam.api.errors import BusinessRuleError, ErrorCode
from orders.models import Order, OrderItem, Reservation
from points import services as points_ledger
from pricing.models import DiscountCode, DiscountCodeUsage


def hold_stock(quantities: dict[str, int]) -> bool:
    """Takes `quantities` (package id -> units) from limited stock, locking those packages in
    id order (so two checkouts never wait on each other in a circle). Refuses with
    INSUFFICIENT_STOCK if any has too few. True if any stock was taken."""
    limited = (
        EsimPackage.objects.select_for_update()
        .filter(pk__in=quantities, stock_type=StockType.LIMITED)
        .order_by("pk")  # PostgreSQL orders UUIDs as their text: the order _restock uses
    )
    taken = False
    for package in limited:
        wanted = quantities[str(package.pk)]
        left = package.stock_quantity or 0
        if wanted > left:
            raise BusinessRuleError(
                f"Only {left} left in stock." if left else "Sold out.",
                code=ErrorCode.INSUFFICIENT_STOCK,
                details={"packageId": str(package.pk), "stockRemaining": left},
            )
        EsimPackage.objects.filter(pk=package.pk).update(
            stock_quantity=F("stock_quantity") - wanted
        )
        taken = True
    if taken:
        invalidate_catalog_cache()  # stockRemaining is part of the catalogue's answers
    return taken


def hold_code_use(discount: DiscountCode) -> None:
    """One use of the (locked) code, held for a pending order."""
    DiscountCode.objects.filter(pk=discount.pk).update(reserved_uses=F("reserved_uses") + 1)


def points_available(*, user_id: Any) -> int:
    """The customer's points free to redeem, their profile locked for the caller's transaction
    (taken after the packages and the code: the one lock order)."""
    return points_ledger.locked_profile(user_id).points_available


def hold_points(*, user_id: Any, points: int) -> None:
    """The customer's points an order redeems, held until it is paid (INSUFFICIENT_POINTS if
    fewer are available)."""
    if points > 0:
        points_ledger.hold_for_order(user_id=user_id, points=points)


def convert(order: Order, now: datetime) -> str:
    """The paid order keeps what it held: the code's held use becomes a use and the held
    points are spent, exactly once (a second call changes nothing). Returns a problem to
    review ("" for none): a late payment for an expired order whose stock, code use or points
    have gone meanwhile."""
    if order.reservation == Reservation.CONVERTED:
        return ""
    problem, code_counted = "", True
    if order.reservation == Reservation.RELEASED:
        problem, code_counted = _take_again(order, now)
    else:
        if order.discount_code_id:
            DiscountCode.objects.filter(pk=order.discount_code_id).update(
                reserved_uses=F("reserved_uses") - 1, current_uses=F("current_uses") + 1
            )
        if order.points_redeemed and order.user_id is not None:
            points_ledger.spend_held(
                user_id=order.user_id, points=order.points_redeemed, order_id=order.pk, now=now
            )
    if code_counted:
        DiscountCodeUsage.objects.filter(order_id=order.pk).update(
            status=DiscountCodeUsage.Status.USED, used_at=now
        )
    order.reservation = Reservation.CONVERTED
    return problem


def release(order: Order) -> bool:
    """Gives back what a pending order held (it expired, failed or was cancelled). False if
    there was nothing held."""
    if order.reservation != Reservation.HELD:
        return False
    _restock(order.items.all())
    if order.discount_code_id:
        DiscountCode.objects.filter(pk=order.discount_code_id).update(
            reserved_uses=F("reserved_uses") - 1
        )
        DiscountCodeUsage.objects.filter(order_id=order.pk).update(
            status=DiscountCodeUsage.Status.RELEASED
        )
    if order.points_redeemed and order.user_id is not None:  # (erased: the points went too)
        points_ledger.release_held(user_id=order.user_id, points=order.points_redeemed)
    order.reservation = Reservation.RELEASED
    return True


def _restock(items: Iterable[OrderItem]) -> None:
    """Gives units back, package by package in id order (the order checkouts lock them in)."""
    units: dict[Any, int] = {}
    for item in items:
        units[item.package_id] = units.get(item.package_id, 0) + item.quantity
    restocked = False
    for package_id in sorted(units, key=str):
        restocked |= bool(
            EsimPackage.objects.filter(pk=package_id, stock_type=StockType.LIMITED).update(
                stock_quantity=F("stock_quantity") + units[package_id]
            )
        )
    if restocked:
        invalidate_catalog_cache()


def _take_again(order: Order, now: datetime) -> tuple[str, bool]:
    """A late payment for an order whose reservation was released: the stock, the code's use
    and the points are taken again if they are still there (in the checkout's lock order).
    Returns the problem (the customer paid, so the order is kept and flagged, never silently
    dropped) and whether the code's use was counted."""
    problems = []
    try:
        with transaction.atomic():  # all of its packages' units, or none
            hold_stock({str(item.package_id): item.quantity for item in order.items.all()})
    except BusinessRuleError as error:
        problems.append(f"paid after expiry and {error.message.lower()} Refund it.")
    code_counted = True
    if order.discount_code_id:
        code_counted = bool(
            DiscountCode.objects.filter(pk=order.discount_code_id)
            .filter(
                Q(max_uses__isnull=True) | Q(max_uses__gt=F("current_uses") + F("reserved_uses"))
            )
            .update(current_uses=F("current_uses") + 1)
        )
        if not code_counted:
            problems.append("paid after expiry with a code that has no uses left meanwhile.")
    if order.points_redeemed and not _spend_again(order, now):
        problems.append(
            f"paid after expiry with {order.points_redeemed} points no longer available."
        )
    return " ".join(problems), code_counted


def _spend_again(order: Order, now: datetime) -> bool:
    if order.user_id is None:  # the account was erased meanwhile: its points with it
        return False
    try:
        with transaction.atomic():
            points_ledger.spend(
                user_id=order.user_id, points=order.points_redeemed, order_id=order.pk, now=now
            )
    except BusinessRuleError:
        return False
    return True
