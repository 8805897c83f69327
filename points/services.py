"""Every change of a customer's points: one ledger row and the profile's balance, together,
under the profile's row lock. The balance never goes negative; earned points are used (spent
or expired) first in, first out.

Points an unpaid order redeems are held (`points_reserved`): still in the balance, but nothing
else — a second checkout, expiry, a clawback, a staff correction — may take them until the
order is paid (they are spent) or expires (they are released).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.models import CustomerProfile, User
from hiroam.api.errors import BusinessRuleError, DomainError, ErrorCode
from points.models import PointsTransaction
from points.rules import FIRST_PURCHASE_BONUS, points_for_paid_cents

logger = logging.getLogger(__name__)
Kind = PointsTransaction.Kind


def locked_profile(user_id: Any) -> CustomerProfile:
    """The customer's profile, locked for the rest of the transaction (made on first use)."""
    CustomerProfile.objects.get_or_create(user_id=user_id)
    return CustomerProfile.objects.select_for_update().get(user_id=user_id)


class NotEnoughPointsError(BusinessRuleError):
    code = ErrorCode.INSUFFICIENT_POINTS

    def __init__(self, available: int) -> None:
        super().__init__(
            f"Only {available} points available.", details={"pointsAvailable": available}
        )


@dataclass(frozen=True)
class Credit:
    reason: str
    points: int


def earn_for_order(
    *, user_id: Any, order_id: Any, paid_cents: int, first_purchase: bool, now: datetime
) -> int:
    """Credits a completed order's points (and the first-purchase bonus), once: a repeat (a
    retried task, a duplicate webhook) credits nothing. Returns the points credited."""
    credits = [Credit("purchase", points_for_paid_cents(paid_cents))]
    if first_purchase:
        credits.append(Credit("first_purchase_bonus", FIRST_PURCHASE_BONUS))
    credited = 0
    with transaction.atomic():
        profile = locked_profile(user_id)
        for credit in credits:
            if credit.points <= 0:
                continue
            try:
                with transaction.atomic():
                    _write(
                        profile,
                        Kind.EARNED,
                        credit.points,
                        now,
                        order_id=order_id,
                        reason=credit.reason,
                        unused=credit.points,
                        expires_at=now + timedelta(days=settings.POINTS_EXPIRE_AFTER_DAYS),
                    )
            except IntegrityError:  # credited already
                continue
            credited += credit.points
    return credited


def spend(*, user_id: Any, points: int, order_id: Any, now: datetime) -> None:
    """Spends points on an order (oldest first), once per order; refused when fewer are
    available (held points are not)."""
    if points <= 0:
        raise DomainError("Spend a positive number of points.")
    with transaction.atomic():
        profile = locked_profile(user_id)
        if _spent_on(order_id):
            return
        if points > profile.points_available:
            raise NotEnoughPointsError(profile.points_available)
        _spend(profile, points, order_id, now)


def hold_for_order(*, user_id: Any, points: int) -> None:
    """Holds points for an unpaid order that redeems them; refused when fewer are available."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        if points > profile.points_available:
            raise NotEnoughPointsError(profile.points_available)
        profile.points_reserved += points
        profile.save(update_fields=["points_reserved", "updated_at"])


def spend_held(*, user_id: Any, points: int, order_id: Any, now: datetime) -> None:
    """The order holding `points` is paid: they are spent, once (a repeat changes nothing)."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        if _spent_on(order_id):
            return
        profile.points_reserved -= min(points, profile.points_reserved)
        _spend(profile, points, order_id, now)


def release_held(*, user_id: Any, points: int) -> None:
    """The order holding `points` will not be paid: they are free again."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        profile.points_reserved -= min(points, profile.points_reserved)
        profile.save(update_fields=["points_reserved", "updated_at"])


def _spent_on(order_id: Any) -> bool:
    redemptions = PointsTransaction.objects.filter(order_id=order_id, reason="redemption")
    return order_id is not None and redemptions.exists()


def _spend(profile: CustomerProfile, points: int, order_id: Any, now: datetime) -> None:
    _use_oldest(profile.user_id, points)
    _write(profile, Kind.SPENT, -points, now, order_id=order_id, reason="redemption")


def reverse_order(*, user_id: Any, order_id: Any, now: datetime) -> int:
    """An order was refunded: the points it spent come back (as new points, with a new expiry)
    and what it earned is taken back — as much as the available balance allows, the rest
    recorded as shortfall. Once per order. Returns the points taken back."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        _give_back_spent(profile, order_id, now)
        if PointsTransaction.objects.filter(order_id=order_id, reason="refund").exists():
            return 0  # reversed already
        owed = _left_to_take_back(profile, order_id)
        return _take_back(profile, order_id, owed, "refund", now)


ESIM_REFUND_REASON = "esim_refund:"  # + the eSIM's id: once per eSIM


def reverse_for_esim(
    *, user_id: Any, order_id: Any, esim_id: Any, points: int, now: datetime
) -> int:
    """One eSIM of an order was refunded to us (never installed): the points it earned are
    taken back, never more than the order has left to take back, never below zero (the rest
    is recorded as shortfall). Once per eSIM. Returns the points taken back."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        reason = f"{ESIM_REFUND_REASON}{esim_id}"
        if PointsTransaction.objects.filter(
            order_id=order_id, reason__in=[reason, "refund"]
        ).exists():
            return 0  # this eSIM, or the whole order, reversed already
        owed = min(points, _left_to_take_back(profile, order_id))
        return _take_back(profile, order_id, owed, reason, now)


def _left_to_take_back(profile: CustomerProfile, order_id: Any) -> int:
    """What the order earned, less what refunds of its single eSIMs took back (or found
    missing) already."""
    earned = ledger_total(profile.user_id, [Kind.EARNED], order_id=order_id)
    return earned - _taken_back_for_esims(order_id)


def _take_back(
    profile: CustomerProfile, order_id: Any, owed: int, reason: str, now: datetime
) -> int:
    """Takes back `owed` points about an order: as many as are available (never below zero,
    never held ones), the rest recorded as shortfall on the same row — written even when
    nothing could be taken, so the reversal happens once. Returns the points taken."""
    if owed <= 0:
        return 0
    taken = min(owed, profile.points_available)
    if taken < owed:
        logger.warning("Refund of %s: %s points could not be taken back", order_id, owed - taken)
    _use_oldest(profile.user_id, taken)
    _write(
        profile,
        Kind.REVERSED,
        -taken,
        now,
        order_id=order_id,
        reason=reason,
        shortfall=owed - taken,
    )
    return taken


def _taken_back_for_esims(order_id: Any) -> int:
    rows = PointsTransaction.objects.filter(
        order_id=order_id, reason__startswith=ESIM_REFUND_REASON
    ).values_list("points", "shortfall")
    return sum(-points + shortfall for points, shortfall in rows)


def _give_back_spent(profile: CustomerProfile, order_id: Any, now: datetime) -> None:
    spent = -ledger_total(profile.user_id, [Kind.SPENT], order_id=order_id)
    if spent <= 0:
        return
    try:
        with transaction.atomic():
            _write(
                profile,
                Kind.REVERSED,
                spent,
                now,
                order_id=order_id,
                reason="refund_redemption",
                unused=spent,
                expires_at=now + timedelta(days=settings.POINTS_EXPIRE_AFTER_DAYS),
            )
    except IntegrityError:  # given back already
        profile.refresh_from_db()


def adjust(*, user_id: Any, points: int, note: str, by: User | None, now: datetime) -> None:
    """A correction by staff, with its reason; never below zero."""
    if not note.strip():
        raise DomainError("Say why the points are adjusted.")
    with transaction.atomic():
        profile = locked_profile(user_id)
        if points < 0:
            if -points > profile.points_available:
                raise NotEnoughPointsError(profile.points_available)
            _use_oldest(profile.user_id, -points)
        _write(
            profile,
            Kind.ADJUSTED,
            points,
            now,
            reason="admin",
            note=note.strip()[:255],
            unused=max(points, 0),
            expires_at=now + timedelta(days=settings.POINTS_EXPIRE_AFTER_DAYS)
            if points > 0
            else None,
            created_by=by,
        )


def expire_due(*, user_id: Any, now: datetime) -> int:
    """Writes one `expired` row for the customer's points past their expiry. Points held by an
    unpaid order are left until it is paid or released (a later run expires what remains).
    Returns the points expired."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        due = PointsTransaction.objects.filter(user_id=user_id, unused__gt=0, expires_at__lte=now)
        points = min(sum(due.values_list("unused", flat=True)), profile.points_available)
        if points <= 0:
            return 0
        _use_oldest(profile.user_id, points)  # the due rows are the oldest
        _write(profile, Kind.EXPIRED, -points, now, reason="expiry")
    return points


def _use_oldest(user_id: Any, points: int) -> None:
    """Marks `points` of the oldest unused earned points as used (first in, first out)."""
    left = points
    rows = PointsTransaction.objects.select_for_update().filter(user_id=user_id, unused__gt=0)
    for row in rows.order_by("expires_at", "created_at", "id"):
        if left <= 0:
            break
        used = min(left, row.unused)
        PointsTransaction.objects.filter(pk=row.pk).update(unused=row.unused - used)
        left -= used


TOTALS: dict[str, str] = {
    Kind.EARNED: "total_points_earned",
    Kind.SPENT: "total_points_spent",
    Kind.EXPIRED: "total_points_expired",
}


def _write(
    profile: CustomerProfile, kind: str, points: int, now: datetime, **fields: Any
) -> PointsTransaction:
    balance = profile.points_balance + points
    if balance < 0:
        raise BusinessRuleError("The points balance cannot go below zero.")
    row = PointsTransaction.objects.create(
        user_id=profile.user_id,
        kind=kind,
        points=points,
        balance_after=balance,
        created_at=now,
        **fields,
    )
    profile.points_balance = balance
    total = TOTALS.get(kind)
    if total:
        setattr(profile, total, getattr(profile, total) + abs(points))
    profile.save()
    return row


def ledger_total(user_id: Any, kinds: Iterable[str] | None = None, *, order_id: Any = None) -> int:
    """The sum of the customer's ledger rows (of `kinds`, about `order_id`, if given)."""
    rows = PointsTransaction.objects.filter(user_id=user_id)
    if kinds is not None:
        rows = rows.filter(kind__in=list(kinds))
    if order_id is not None:
        rows = rows.filter(order_id=order_id)
    return sum(rows.values_list("points", flat=True))
