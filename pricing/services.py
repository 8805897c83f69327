"""Writes for pricing: base prices, schedules and the provider's costs. Every change of one of
them lands in the price history, in the same transaction, and drops the cached catalogue."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db import transaction

from accounts.models import User
from catalog.cache import invalidate_catalog_cache
from catalog.cost_changes import CostChange
from catalog.models import EsimPackage
from hiroam.api.errors import DomainError
from pricing.models import PriceHistory, PriceSchedule

Actor = User | AnonymousUser | None

# A schedule's terms, in the order forms show them: what its history records.
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
    "badge_color",
    "is_active",
)


def _staff(user: Actor) -> User | None:
    return user if isinstance(user, User) else None


# ------------------------------------------------------------------------------ schedules
def schedule_terms(schedule: PriceSchedule) -> dict[str, Any]:
    """The terms of a schedule as JSON-ready values (times as ISO 8601)."""
    terms: dict[str, Any] = {}
    for name in SCHEDULE_FIELDS:
        value = getattr(schedule, name)
        terms[name] = value.isoformat() if hasattr(value, "isoformat") else value
    return terms


def _schedule_history(
    schedule: PriceSchedule,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user: Actor,
    reason: str,
) -> PriceHistory:
    return PriceHistory(
        package_id=schedule.package_id,
        field=PriceHistory.Field.SCHEDULE,
        old_value=before,
        new_value=after,
        schedule=schedule if after is not None else None,
        changed_by=_staff(user),
        reason=reason,
    )


def record_schedule_change(
    *,
    schedule: PriceSchedule,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    user: Actor,
    reason: str = "",
) -> PriceHistory | None:
    """One history row for a created (before None), changed, or deleted (after None) schedule.
    Nothing is written when the terms did not change."""
    if before == after:
        return None
    row = _schedule_history(schedule, before, after, user, reason)
    row.save()
    return row


def schedule_promotion(
    *,
    packages: Iterable[EsimPackage],
    terms: dict[str, Any],
    user: Actor,
    reason: str,
    now: datetime,
) -> list[PriceSchedule]:
    """One schedule with the same terms for each package (a sale covers dozens), with their
    history rows, in one transaction."""
    return create_schedules(
        [(package, terms) for package in packages], user=user, reason=reason, now=now
    )


def create_schedules(
    rows: Sequence[tuple[EsimPackage, dict[str, Any]]],
    *,
    user: Actor,
    reason: str,
    now: datetime,
) -> list[PriceSchedule]:
    """A schedule per (package, terms), with their history rows, in one transaction. The
    first one's terms are checked like a form's; the table's constraints check every row."""
    schedules = [
        PriceSchedule(package=package, created_by=_staff(user), created_at=now, **terms)
        for package, terms in rows
    ]
    if not schedules:
        raise DomainError("Select at least one package.")
    schedules[0].full_clean(exclude=["package"])
    with transaction.atomic():
        PriceSchedule.objects.bulk_create(schedules)
        PriceHistory.objects.bulk_create(
            _schedule_history(schedule, None, schedule_terms(schedule), user, reason)
            for schedule in schedules
        )
        invalidate_catalog_cache()
    return schedules


# ------------------------------------------------------------------------------ base prices
@dataclass(frozen=True)
class BasePriceChange:
    """The base prices a package should have; with `expected`, only if it still has the
    prices an admin saw in a preview (USD cents, IDR)."""

    package_id: Any
    price_usd_cents: int
    price_idr: int
    expected: tuple[int, int] | None = None


MAX_PRICE_USD_CENTS = 2_147_483_647  # the column's limit
MAX_PRICE_IDR = 10**15


def change_base_prices(
    *, changes: Sequence[BasePriceChange], user: Actor, reason: str, now: datetime
) -> int:
    """Sets new base prices under row locks; every value that changes gets a history row with
    the reason. Returns how many packages changed."""
    if not reason.strip():
        raise DomainError("Say why the prices change: the reason goes into the price history.")
    if any(change.price_usd_cents < 0 or change.price_idr < 0 for change in changes):
        raise DomainError("A price cannot be negative.")
    if any(
        change.price_usd_cents > MAX_PRICE_USD_CENTS or change.price_idr > MAX_PRICE_IDR
        for change in changes
    ):
        raise DomainError("A price is too large.")
    wanted = {str(change.package_id): change for change in changes}  # ids as text or UUIDs
    with transaction.atomic():
        locked = EsimPackage.objects.select_for_update().filter(pk__in=wanted).order_by("pk")
        packages = {str(package.pk): package for package in locked}
        if missing := wanted.keys() - packages.keys():
            raise DomainError(f"{len(missing)} package(s) no longer exist; nothing was changed.")
        moved = [
            pk
            for pk, change in wanted.items()
            if change.expected is not None
            and change.expected != (packages[pk].price_usd_cents, packages[pk].price_idr)
        ]
        if moved:  # applied twice, or someone else changed them since the preview
            raise DomainError(
                f"The prices of {len(moved)} package(s) changed since the preview; nothing was "
                "changed. Preview again."
            )
        history: list[PriceHistory] = []
        changed: list[EsimPackage] = []
        for package_id, change in wanted.items():
            package = packages[package_id]
            rows = [
                PriceHistory(
                    package=package,
                    field=field,
                    old_value=getattr(package, field.value),
                    new_value=new,
                    changed_by=_staff(user),
                    reason=reason.strip(),
                    changed_at=now,
                )
                for field, new in (
                    (PriceHistory.Field.PRICE_USD, change.price_usd_cents),
                    (PriceHistory.Field.PRICE_IDR, change.price_idr),
                )
                if getattr(package, field.value) != new
            ]
            if rows:
                package.price_usd_cents, package.price_idr = (
                    change.price_usd_cents,
                    change.price_idr,
                )
                package.updated_at = now
                changed.append(package)
                history.extend(rows)
        EsimPackage.objects.bulk_update(changed, ["price_usd_cents", "price_idr", "updated_at"])
        PriceHistory.objects.bulk_create(history)
        if changed:
            invalidate_catalog_cache()
    return len(changed)


# ------------------------------------------------------------------------------ provider costs
def record_cost_changes(changes: Sequence[CostChange], now: datetime) -> None:
    """The sync's cost changes, as history rows (registered with the catalogue at app load)."""
    PriceHistory.objects.bulk_create(
        PriceHistory(
            package_id=change.package_id,
            field=PriceHistory.Field.COST,
            old_value=change.old_cost_cents,
            new_value=change.new_cost_cents,
            reason="provider cost changed (catalogue sync)",
            changed_at=now,
        )
        for change in changes
    )
