"""Every change of a customer's points: one ledger row and the profile's balance, together,
under the profile's row lock. The balance never goes negative; earned points are used (spent
or expired) first in, first out.
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
from hiroam.api.errors import BusinessRuleError, DomainError
from points.models import PointsTransaction
from points.rules import FIRST_PURCHASE_BONUS, points_for_paid_cents

logger = logging.getLogger(__name__)
Kind = PointsTransaction.Kind


def locked_profile(user_id: Any) -> CustomerProfile:
    """The customer's profile, locked for the rest of the transaction (made on first use)."""
    CustomerProfile.objects.get_or_create(user_id=user_id)
    return CustomerProfile.objects.select_for_update().get(user_id=user_id)


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
    """Spends points (oldest first); refused when the balance is short."""
    if points <= 0:
        raise DomainError("Spend a positive number of points.")
    with transaction.atomic():
        profile = locked_profile(user_id)
        if points > profile.points_balance:
            raise BusinessRuleError(f"Only {profile.points_balance} points available.")
        _use_oldest(profile.user_id, points)
        _write(profile, Kind.SPENT, -points, now, order_id=order_id, reason="redemption")


def reverse_order(*, user_id: Any, order_id: Any, now: datetime) -> int:
    """Takes back what an order earned (it was refunded): as much as the balance allows, the
    rest recorded as shortfall. Once per order. Returns the points taken back."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        if PointsTransaction.objects.filter(order_id=order_id, reason="refund").exists():
            return 0  # reversed already
        earned = ledger_total(user_id, [Kind.EARNED], order_id=order_id)
        taken = min(earned, profile.points_balance)
        if taken <= 0:  # nothing to take back (a ledger row cannot move zero points)
            if earned > 0:
                logger.warning("Refund of %s: %s points could not be taken back", order_id, earned)
            return 0
        _use_oldest(profile.user_id, taken)
        _write(
            profile,
            Kind.REVERSED,
            -taken,
            now,
            order_id=order_id,
            reason="refund",
            shortfall=earned - taken,
        )
    return taken


def adjust(*, user_id: Any, points: int, note: str, by: User | None, now: datetime) -> None:
    """A correction by staff, with its reason; never below zero."""
    if not note.strip():
        raise DomainError("Say why the points are adjusted.")
    with transaction.atomic():
        profile = locked_profile(user_id)
        if points < 0:
            if -points > profile.points_balance:
                raise BusinessRuleError(f"Only {profile.points_balance} points to take from.")
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
    """Writes one `expired` row for the customer's points past their expiry. Returns them."""
    with transaction.atomic():
        profile = locked_profile(user_id)
        due = list(
            PointsTransaction.objects.select_for_update().filter(
                user_id=user_id, unused__gt=0, expires_at__lte=now
            )
        )
        points = min(sum(row.unused for row in due), profile.points_balance)
        if points <= 0:
            return 0
        PointsTransaction.objects.filter(pk__in=[row.pk for row in due]).update(unused=0)
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
