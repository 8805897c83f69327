"""Customer prices of packages, from the engine: the catalogue's price source."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings

from catalog.models import EsimPackage
from catalog.price_display import DisplayPrice
from pricing import engine
from pricing.models import ExchangeRate, PriceSchedule


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


def _display(
    price: engine.PackagePrice, currency: str, valid_until: datetime | None
) -> DisplayPrice:
    """The price in one currency. The label is worked out from that currency's own amounts, so
    an IDR shopper is never told a USD percentage (a fixed discount converts unevenly)."""
    original, final = (
        (price.original.usd_cents, price.final.usd_cents)
        if currency == "USD"
        else (price.original.idr, price.final.idr)
    )
    discounted = final < original
    schedule = price.schedule if discounted else None
    label = f"{(original - final) * engine.BPS // original // 100}% OFF" if discounted else None
    return DisplayPrice(
        original=original,
        final=final,
        discount_label=label,
        schedule_name=schedule.name if schedule else None,
        badge_text=(schedule.badge_text or None) if schedule else None,
        badge_color=(schedule.badge_color or None) if schedule else None,
        discount_ends_at=schedule.ends_at if schedule else None,
        valid_until=valid_until,
    )


def display_prices(
    packages: Sequence[EsimPackage], currency: str, now: datetime
) -> dict[Any, DisplayPrice]:
    """Prices for a whole page: one query for the schedules and, when there are any, one for
    the exchange rate, however many packages."""
    schedules = schedules_by_package([package.pk for package in packages], now)
    # The rate only converts scheduled amounts: a page without schedules does not read it.
    rate = usd_to_idr_rate(now) if schedules else 0
    prices: dict[Any, DisplayPrice] = {}
    for package in packages:
        rules = schedules.get(package.pk, [])
        price = engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=rules,
            moment=now,
            usd_to_idr_rate=rate,
        )
        prices[package.pk] = _display(price, currency, engine.next_price_change(rules, now))
    return prices


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
