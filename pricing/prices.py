"""Customer prices of packages, from the engine: the catalogue's price source."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import QuerySet

from catalog.models import EsimPackage
from catalog.price_display import EVERYONE, Audience, DisplayPrice
from pricing import engine
from pricing.experiments.audience import variant_for
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


ENGINE_COLUMNS = (
    "id",
    "package_id",
    "schedule_name",
    "schedule_type",
    "discount_type",
    "discount_value",
    "override_price_usd_cents",
    "override_price_idr",
    "starts_at",
    "ends_at",
    "created_at",
    "priority",
    "is_active",
    "badge_text",
    "badge_color",
)


def schedule_from_values(values: dict[str, Any]) -> engine.Schedule:
    if values["schedule_type"] == PriceSchedule.ScheduleType.PRICE_OVERRIDE:
        kind = engine.DiscountKind.PRICE_OVERRIDE
    else:
        kind = engine.DiscountKind(values["discount_type"])
    return engine.Schedule(
        id=str(values["id"]),
        name=values["schedule_name"],
        kind=kind,
        value=values["discount_value"] or 0,
        override_usd_cents=values["override_price_usd_cents"],
        override_idr=values["override_price_idr"],
        starts_at=values["starts_at"],
        ends_at=values["ends_at"],
        created_at=values["created_at"],
        priority=values["priority"],
        is_active=values["is_active"],
        badge_text=values["badge_text"],
        badge_color=values["badge_color"],
    )


def engine_schedule(row: PriceSchedule) -> engine.Schedule:
    values = {name: getattr(row, name) for name in ENGINE_COLUMNS}
    return schedule_from_values(values | {"id": row.pk})


def engine_schedules(rows: QuerySet[PriceSchedule]) -> dict[Any, list[engine.Schedule]]:
    """The engine's schedules of `rows`, by package (read as plain values: pages read many)."""
    grouped: dict[Any, list[engine.Schedule]] = defaultdict(list)
    for values in rows.values(*ENGINE_COLUMNS):
        grouped[values["package_id"]].append(schedule_from_values(values))
    return grouped


def schedules_by_package(
    package_ids: Sequence[Any], moment: datetime
) -> dict[Any, list[engine.Schedule]]:
    """The active schedules not yet over for many packages, in one query."""
    return engine_schedules(
        PriceSchedule.objects.filter(package_id__in=package_ids, is_active=True, ends_at__gt=moment)
    )


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
    # Both queries take the page's widest bounds (short SQL, an index range each); each
    # package's own period is then applied here.
    earliest = min(since for since, _ in periods.values())
    latest = max(until for _, until in periods.values())
    schedules = engine_schedules(
        PriceSchedule.objects.filter(
            package_id__in=periods, is_active=True, starts_at__lt=latest, ends_at__gt=earliest
        )
    )
    changes: dict[Any, list[engine.RecordedPriceChange]] = defaultdict(list)
    history = (
        PriceHistory.objects.filter(
            package_id__in=periods,
            changed_at__gte=earliest,
            field__in=list(_HISTORY_CURRENCIES),
        )
        .order_by("changed_at", "id")
        .values_list("package_id", "field", "old_value", "new_value", "changed_at")
    )
    for package_id, field, old_value, new_value, changed_at in history:
        old, new = _history_amount(old_value), _history_amount(new_value)
        if changed_at < periods[package_id][0]:
            continue  # before this package's period
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
    original, final = _amounts(price.regular, currency), _amounts(price.final, currency)
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
    packages: Sequence[EsimPackage], currency: str, now: datetime, audience: Audience = EVERYONE
) -> dict[Any, DisplayPrice]:
    """Prices for a whole page, as `audience` is shown them: one query for the schedules and,
    when there are any, one for the exchange rate, however many packages. When some are
    discounted, two more for the lowest prices before their promotions (lowest_prices_before)."""
    schedules = schedules_by_package([package.pk for package in packages], now)
    variants = {package.pk: variant_for(audience, package) for package in packages}
    # The rate only converts USD amounts to IDR: a page without schedules or variants, or a
    # page shown in USD, does not read it.
    changed = schedules or any(variants.values())
    rate = usd_to_idr_rate(now) if changed and currency == "IDR" else 0
    priced = {
        package.pk: engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=schedules.get(package.pk, []),
            moment=now,
            usd_to_idr_rate=rate,
            variant=variants[package.pk],
        )
        for package in packages
    }
    promotion_starts = {
        pk: price.schedule.starts_at
        for pk, price in priced.items()
        if price.schedule and _amounts(price.final, currency) < _amounts(price.regular, currency)
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


def order_lines(
    quantities: Sequence[tuple[EsimPackage, int]], now: datetime, audience: Audience = EVERYONE
) -> list[engine.Line]:
    """A cart as the engine's order lines, each package priced at `now` as `audience` is shown
    it: one query for all the packages' schedules and, when they need it, one for the rate."""
    schedules = schedules_by_package([package.pk for package, _ in quantities], now)
    variants = {package.pk: variant_for(audience, package) for package, _ in quantities}
    rate = usd_to_idr_rate(now) if schedules or any(variants.values()) else 0
    lines = []
    for package, quantity in quantities:
        price = engine.price_package(
            base=engine.Prices(package.price_usd_cents, package.price_idr),
            schedules=schedules.get(package.pk, []),
            moment=now,
            usd_to_idr_rate=rate,
            variant=variants[package.pk],
        )
        # A line's unit price is what the customer would pay without the schedule: the base
        # price (moved by their experiment variant, if any), or an override above it (an
        # override may raise a price; that is no discount).
        unit_price = max(price.regular.usd_cents, price.final.usd_cents)
        # The schedule is named on the line when it took something off, as the breakdown says.
        discounted_by = price.schedule if price.has_discount else None
        lines.append(
            engine.Line(
                package_id=str(package.pk),
                quantity=quantity,
                unit_price_cents=unit_price,
                unit_discount_cents=unit_price - price.final.usd_cents,
                schedule_name=discounted_by.name if discounted_by else "",
                schedule_id=discounted_by.id if discounted_by else "",
                variant=price.variant,
            )
        )
    return lines
