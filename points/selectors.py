"""Reads of a customer's points, shaped for the points endpoint and the points console: a
fixed number of queries whatever the length of the ledger."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date
from typing import Any

from django.db.models import QuerySet, Sum
from django.db.models.functions import TruncDate

from accounts.models import CustomerProfile
from points.models import PointsTransaction


@dataclass(frozen=True)
class ExpiringPoints:
    on: date  # the day (UTC)
    points: int


@dataclass(frozen=True)
class PointsSummary:
    balance: int
    reserved: int
    available: int
    earned: int
    spent: int
    expired: int
    next_expiry: ExpiringPoints | None


def points_summary(*, user_id: Any) -> PointsSummary:
    """The customer's figures (all zero before their first points: nothing is created here)."""
    profile = CustomerProfile.objects.filter(user_id=user_id).first()
    if profile is None:
        return PointsSummary(0, 0, 0, 0, 0, 0, None)
    return PointsSummary(
        balance=profile.points_balance,
        reserved=profile.points_reserved,
        available=profile.points_available,
        earned=profile.total_points_earned,
        spent=profile.total_points_spent,
        expired=profile.total_points_expired,
        next_expiry=next_expiry(user_id=user_id),
    )


def expiring_points(*, user_id: Any, days: int | None = None) -> list[ExpiringPoints]:
    """Unused points per expiry day (UTC), soonest first (the first `days` of them). Rows with
    points left are exactly those in the ledger's partial index (user, expires_at WHERE
    unused > 0). Points already past their expiry stay in the balance (and spendable) until
    the daily job expires them, so they count as the next to go."""
    per_day = (
        PointsTransaction.objects.filter(user_id=user_id, unused__gt=0, expires_at__isnull=False)
        .annotate(expires_on=TruncDate("expires_at", tzinfo=UTC))
        .values("expires_on")
        .annotate(points=Sum("unused"))
        .order_by("expires_on")
    )
    return [
        ExpiringPoints(on=row["expires_on"], points=row["points"])
        for row in (per_day if days is None else per_day[:days])
    ]


def next_expiry(*, user_id: Any) -> ExpiringPoints | None:
    """The next day some of the customer's points expire, and how many then."""
    soonest = expiring_points(user_id=user_id, days=1)
    return soonest[0] if soonest else None


def ledger_for_customer(*, user_id: Any) -> QuerySet[PointsTransaction]:
    """The customer's ledger, newest first (the ledger's (user, -created_at) index)."""
    return PointsTransaction.objects.filter(user_id=user_id).order_by("-created_at", "-id")
