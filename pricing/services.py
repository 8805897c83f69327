"""Writes for pricing. Every change of a schedule lands in the price history."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser

from accounts.models import User
from pricing.models import PriceHistory, PriceSchedule

SCHEDULE_FIELDS = (
    "schedule_name",
    "schedule_type",
    "discount_type",
    "discount_value",
    "override_price_usd_cents",
    "override_price_idr",
    "starts_at",
    "ends_at",
    "priority",
    "badge_text",
    "is_active",
)


def schedule_terms(schedule: PriceSchedule) -> dict[str, Any]:
    """The terms of a schedule as JSON-ready values (times as ISO 8601)."""
    terms: dict[str, Any] = {}
    for name in SCHEDULE_FIELDS:
        value = getattr(schedule, name)
        terms[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return terms


def record_schedule_change(
    *,
    schedule: PriceSchedule,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user: User | AnonymousUser | None,
    reason: str = "",
) -> PriceHistory | None:
    """One history row for a created (before None), changed, or deleted (after None) schedule.
    Nothing is written when the terms did not change."""
    if before == after:
        return None
    return PriceHistory.objects.create(
        package_id=schedule.package_id,
        field=PriceHistory.Field.SCHEDULE,
        old_value=before,
        new_value=after,
        schedule=schedule if after is not None else None,
        changed_by=user if isinstance(user, User) else None,
        reason=reason,
    )
