"""Customer prices of packages, from the engine: the catalogue's price source."""

from __future__ import annotations

import operator
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from functools import reduce
from typing import Any

from django.conf import settings
from django.db.models import (
    BigIntegerField,
    Case,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Greatest

from catalog.models import EsimPackage
from catalog.price_display import DisplayPrice, base_price_field
from pricing import engine
from pricing.models import ExchangeRate, PriceHistory, PriceSchedule

# The price-indication rule (EU Omnibus directive): a reduced price is shown with the lowest
# price the package had in this period before the reduction began.
LOWEST_PRICE_PERIOD = timedelta(days=30)

_HISTORY_CURRENCIES: dict[str, engine.Currency] = {
    PriceHistory.Field.PRICE_USD: engine.Currency.USD,
    PriceHistory.Field.PRICE_IDR: engine.Currency.IDR,
}


def usd_to_idr_rate(moment: datetime) -> int:
    """The rate in force at `moment`: the newest set in Admin, else the configured default."""
    rate = (
        ExchangeRate.objects.filter(valid_from__lte=moment)
        .values_list("usd_to_idr_rate", flat=True)
        .first()
    )
    return int(rate) if rate else int(settings.CATALOG_USD_TO_IDR_RATE)


def engine_schedule(row: PriceSchedule) -> engine.Schedule:
    if row.schedule_type == PriceSchedule.ScheduleType.PRICE_OVERRIDE:
        kind = engine.DiscountKind.PRICE_OVERRIDE
    else:
        kind = engine.DiscountKind(row.discount_type)
    return engine.Schedule(
        id=str(row.pk),
        name=row.schedule_name,
        kind=kind,
        value=row.discount_value or 0,
        override_usd_cents=row.override_price_usd_cents,
        override_idr=row.override_price_idr,
        starts_at=row.starts_at,
        ends_at=row.ends_at,
        created_at=row.created_at,
        priority=row.priority,
        is_active=row.is_active,
        badge_text=row.badge_text,
        badge_color=row.badge_color,
    )


def schedules_by_package(
    package_ids: Sequence[Any], moment: datetime
) -> dict[Any, list[engine.Schedule]]:
    """The active schedules not yet over for many packages, in one query."""
    grouped: dict[Any, list[engine.Schedule]] = defaultdict(list)
    rows = PriceSchedule.objects.filter(
        package_id__in=package_ids, is_active=True, ends_at__gt=moment
    )
    for row in rows:
        grouped[row.package_id].append(engine_schedule(row))
    return grouped


def _history_amount(value: Any) -> int | None:
    """A base price as the history stores it (a plain integer); anything else is unreadable."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def lowest_prices_before(
    packages: Sequence[EsimPackage], promotion_starts: dict[Any, datetime], usd_to_idr_rate: int
) -> dict[Any, engine.Prices]:
    """For each package in `promotion_starts`, the lowest price it had in the period before
    its promotion began. Two queries for all of them: the schedules that overlap each one's
    period, and each one's base-price changes from its period on (later ones too: the old
    value of the first change after a period began is the price in force before it).
    Scheduled USD amounts become IDR at today's rate, as the current price does."""
    if not promotion_starts:
        return {}
    periods = {pk: (start - LOWEST_PRICE_PERIOD, start) for pk, start in promotion_starts.items()}
    schedules: dict[Any, list[engine.Schedule]] = defaultdict(list)
    overlapping = reduce(
        operator.or_,
        (
            Q(package_id=pk, starts_at__lt=until, ends_at__gt=since)
            for pk, (since, until) in periods.items()
        ),
    )
    for row in PriceSchedule.objects.filter(overlapping, is_active=True):
        schedules[row.package_id].append(engine_schedule(row))
    changes: dict[Any, list[engine.RecordedPriceChange]] = defaultdict(list)
    since_period = reduce(
        operator.or_,
        (Q(package_id=pk, changed_at__gte=since) for pk, (since, _) in periods.items()),
    )
    history = (
        PriceHistory.objects.filter(since_period, field__in=list(_HISTORY_CURRENCIES))
        .order_by("changed_at", "id")
        .values_list("package_id", "field", "old_value", "new_value", "changed_at")
    )
    for package_id, field, old_value, new_value, changed_at in history:
        old, new = _history_amount(old_value), _history_amount(new_value)
        if old is not None and new is not None:  # a row that is not a price change is skipped
            changes[package_id].append(
                engine.RecordedPriceChange(changed_at, _HISTORY_CURRENCIES[field], old, new)
            )
    return {
        package.pk: engine.lowest_price_between(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            base_changes=changes[package.pk],
            schedules=schedules[package.pk],
            since=periods[package.pk][0],
            until=periods[package.pk][1],
            usd_to_idr_rate=usd_to_idr_rate,
        )
        for package in packages
        if package.pk in periods
    }


def _amounts(prices: engine.Prices, currency: str) -> int:
    return prices.usd_cents if currency == "USD" else prices.idr


def _display(
    price: engine.PackagePrice,
    currency: str,
    valid_until: datetime | None,
    lowest: engine.Prices | None,
) -> DisplayPrice:
    """The price in one currency. The label is worked out from that currency's own amounts, so
    an IDR shopper is never told a USD percentage (a fixed discount converts unevenly)."""
    original, final = _amounts(price.original, currency), _amounts(price.final, currency)
    discounted = final < original
    schedule = price.schedule if discounted else None
    label = f"{(original - final) * engine.BPS // original // 100}% OFF" if discounted else None
    lowest_amount = _amounts(lowest, currency) if discounted and lowest is not None else None
    return DisplayPrice(
        original=original,
        final=final,
        discount_label=label,
        schedule_name=schedule.name if schedule else None,
        badge_text=(schedule.badge_text or None) if schedule else None,
        badge_color=(schedule.badge_color or None) if schedule else None,
        discount_ends_at=schedule.ends_at if schedule else None,
        valid_until=valid_until,
        lowest_price_30_days=lowest_amount,
    )


def display_prices(
    packages: Sequence[EsimPackage], currency: str, now: datetime
) -> dict[Any, DisplayPrice]:
    """Prices for a whole page: one query for the schedules and, when there are any, one for
    the exchange rate, however many packages. When some are discounted, two more for the
    lowest prices before their promotions (lowest_prices_before)."""
    schedules = schedules_by_package([package.pk for package in packages], now)
    # The rate only converts scheduled amounts: a page without schedules does not read it.
    rate = usd_to_idr_rate(now) if schedules else 0
    priced = {
        package.pk: engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=schedules.get(package.pk, []),
            moment=now,
            usd_to_idr_rate=rate,
        )
        for package in packages
    }
    promotion_starts = {
        pk: price.schedule.starts_at
        for pk, price in priced.items()
        if price.schedule and _amounts(price.final, currency) < _amounts(price.original, currency)
    }
    lowest = lowest_prices_before(packages, promotion_starts, rate)
    return {
        pk: _display(
            price,
            currency,
            engine.next_price_change(schedules.get(pk, []), now),
            lowest.get(pk),
        )
        for pk, price in priced.items()
    }


def order_lines(quantities: Sequence[tuple[EsimPackage, int]], now: datetime) -> list[engine.Line]:
    """A cart as the engine's order lines, each package priced at `now`: one query for all the
    packages' schedules and, when there are any, one for the exchange rate."""
    schedules = schedules_by_package([package.pk for package, _ in quantities], now)
    rate = usd_to_idr_rate(now) if schedules else 0
    lines = []
    for package, quantity in quantities:
        price = engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=schedules.get(package.pk, []),
            moment=now,
            usd_to_idr_rate=rate,
        )
        # A line's unit price is what the customer would pay without the schedule: the base
        # price, or an override above it (an override may raise a price; that is no discount).
        unit_price = max(price.original.usd_cents, price.final.usd_cents)
        lines.append(
            engine.Line(
                package_id=str(package.pk),
                quantity=quantity,
                unit_price_cents=unit_price,
                unit_discount_cents=unit_price - price.final.usd_cents,
                schedule_name=price.schedule.name if price.has_discount and price.schedule else "",
            )
        )
    return lines


# ------------------------------------------------------------------------------ in SQL
def _half_up(numerator: Any, denominator: int) -> Any:
    """engine.round_half_up_div in SQL: integer division of non-negative bigints."""
    return (2 * numerator + denominator) / (2 * denominator)


def price_expression(currency: str, now: datetime) -> Any:
    """What a customer pays for a package at `now`, as SQL: the engine's rule (the winning live
    schedule: highest priority, then earliest created) for sorting and filtering a whole
    catalogue in the database. tests/pricing/test_price_sql.py holds it equal to the engine."""
    usd, idr = Cast(OuterRef("price_usd_cents"), BigIntegerField()), OuterRef("price_idr")
    base = usd if currency == "USD" else idr
    value = Cast(F("discount_value"), BigIntegerField())
    off_by_percentage = _half_up(base * value, engine.BPS)
    if currency == "USD":
        override = Coalesce(F("override_price_usd_cents"), usd)
        off_fixed = value
    else:
        rate = Value(usd_to_idr_rate(now), output_field=BigIntegerField())
        override_usd = Coalesce(Cast(F("override_price_usd_cents"), BigIntegerField()), usd)
        override = Coalesce(F("override_price_idr"), _half_up(override_usd * rate, 100))
        off_fixed = _half_up(value * rate, 100)
    final = Case(
        When(schedule_type=PriceSchedule.ScheduleType.PRICE_OVERRIDE, then=override),
        When(discount_type=PriceSchedule.DiscountType.PERCENTAGE, then=base - off_by_percentage),
        default=base - off_fixed,
        output_field=BigIntegerField(),
    )
    winner = (
        PriceSchedule.objects.filter(
            package=OuterRef("pk"), is_active=True, starts_at__lte=now, ends_at__gt=now
        )
        .order_by("-priority", "created_at", "id")
        .annotate(final=Greatest(final, Value(0)))
        .values("final")[:1]
    )
    return Coalesce(Subquery(winner), F(base_price_field(currency)), output_field=BigIntegerField())


def next_change(now: datetime) -> datetime | None:
    """The next moment any schedule starts or ends: until then every price holds."""
    found = PriceSchedule.objects.filter(is_active=True, ends_at__gt=now).aggregate(
        start=Min("starts_at", filter=Q(starts_at__gt=now)), end=Min("ends_at")
    )
    return min((moment for moment in found.values() if moment is not None), default=None)


class EnginePrices:
    """The catalogue's price source (registered in pricing.apps)."""

    display_prices = staticmethod(display_prices)
    price_expression = staticmethod(price_expression)
    next_change = staticmethod(next_change)
