"""What sales and promo codes did: per price schedule and per promo code, the revenue, units
and discount given under it in the period; and for each schedule, its package's sales over
the schedule's run against the equal run of days just before it started."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from analytics.period import Period
from analytics.readers import fetch
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table
from catalog.models import EsimPackage
from pricing.models import DiscountCode, PriceSchedule

TOP = 25
# PromotionDay's measures, in this order below.
MEASURES = "sum(orders), sum(units), sum(revenue_minor) - sum(refunded_minor), sum({discount})"


def build(period: Period, now: datetime) -> Section:
    schedules = _under("schedule_id", "product_discount_minor", period)
    codes = _under("discount_code_id", "code_discount_minor", period)
    before_schedules = _under("schedule_id", "product_discount_minor", period.previous())
    before_codes = _under("discount_code_id", "code_discount_minor", period.previous())
    money = (Kind.MONEY, period.currency)

    def summed(rows: dict[Any, tuple[int, ...]], measure: int) -> int:
        return sum(values[measure] for values in rows.values())

    figures = (
        Figure("Revenue on sale", summed(schedules, 2), summed(before_schedules, 2), *money),
        Figure("Sale discounts", summed(schedules, 3), summed(before_schedules, 3), *money),
        Figure("Revenue with codes", summed(codes, 2), summed(before_codes, 2), *money),
        Figure("Code discounts", summed(codes, 3), summed(before_codes, 3), *money),
    )
    return Section(figures, (_schedules(period, schedules, now), _codes(period, codes)))


def _under(column: str, discount: str, period: Period) -> dict[Any, tuple[int, ...]]:
    rows = fetch(
        f"SELECT {column}, {MEASURES.format(discount=discount)}"
        f" FROM analytics_promotion_day WHERE currency = %s AND day BETWEEN %s AND %s"
        f" AND {column} IS NOT NULL GROUP BY {column}",
        [period.currency, period.start, period.end],
    )
    return {row[0]: tuple(int(value) for value in row[1:]) for row in rows}


def _ranked(rows: dict[Any, tuple[int, ...]]) -> list[tuple[Any, tuple[int, ...]]]:
    return sorted(rows.items(), key=lambda item: (-item[1][2], str(item[0])))[:TOP]


def _schedules(period: Period, rows: dict[Any, tuple[int, ...]], now: datetime) -> Block:
    ranked = _ranked(rows)
    schedules = {
        schedule.pk: schedule
        for schedule in PriceSchedule.objects.filter(pk__in=[pk for pk, _ in ranked])
    }
    packages = dict(
        EsimPackage.objects.filter(
            pk__in=[schedule.package_id for schedule in schedules.values()]
        ).values_list("pk", "package_code")
    )
    runs = {
        pk: _run(schedule.starts_at.date(), schedule.ends_at, now)
        for pk, schedule in schedules.items()
    }
    compared = _run_against_before(period.currency, schedules, runs)
    table_rows: list[tuple[Any, ...]] = []
    for pk, (orders, units, revenue, discount) in ranked:
        schedule = schedules.get(pk)
        during, before = compared.get(pk, (0, 0))
        table_rows.append(
            (
                schedule.schedule_name if schedule else "(schedule deleted)",
                packages.get(schedule.package_id, "") if schedule else "",
                runs[pk][0] if schedule else None,
                runs[pk][1] if schedule else None,
                orders,
                units,
                revenue,
                discount,
                during,
                before,
            )
        )
    return Block(
        "Price schedules",
        Chart(
            ChartKind.BARS,
            "Net revenue under each schedule",
            tuple(f"{row[0]} · {row[1]}" for row in table_rows),
            (Series("Net revenue", tuple(row[6] for row in table_rows)),),
            Kind.MONEY,
            period.currency,
        ),
        Table(
            "schedules",
            "Sales under price schedules",
            (
                Column("schedule", "Schedule", Kind.TEXT),
                Column("package", "Package", Kind.TEXT),
                Column("starts", "From", Kind.DATE),
                Column("ends", "To", Kind.DATE),
                Column("orders", "Orders", Kind.COUNT),
                Column("units", "eSIMs", Kind.COUNT),
                Column("revenue", "Net revenue", Kind.MONEY),
                Column("discount", "Discount given", Kind.MONEY),
                Column("during", "Package's net revenue over the run", Kind.MONEY),
                Column("before", "Same days before it", Kind.MONEY),
            ),
            tuple(table_rows),
            period.currency,
            note=f"The top {TOP} by net revenue in the period. The last two columns compare "
            "all the package's sales over the schedule's run (to today if it still runs) "
            "with the equal number of days before it started.",
        ),
    )


def _run(starts: date, ends_at: datetime, now: datetime) -> tuple[date, date]:
    """A schedule's days, its end exclusive, cut at today."""
    last = min(ends_at - timedelta(microseconds=1), now).date()
    return starts, max(starts, last)


def _run_against_before(
    currency: str, schedules: dict[Any, PriceSchedule], runs: dict[Any, tuple[date, date]]
) -> dict[Any, tuple[int, int]]:
    """For each schedule: its package's net revenue over the run, and over as many days just
    before it: one query for them all."""
    if not schedules:
        return {}
    values, params = [], []
    for pk, schedule in schedules.items():
        first, last = runs[pk]
        length = timedelta(days=(last - first).days + 1)
        values.append("(%s::uuid, %s::uuid, %s::date, %s::date, %s::date)")
        params += [pk, schedule.package_id, first - length, first, last]
    rows = fetch(
        "SELECT r.id, COALESCE(sum(s.net) FILTER (WHERE s.day >= r.first_day), 0),"
        " COALESCE(sum(s.net) FILTER (WHERE s.day < r.first_day), 0)"
        f" FROM (VALUES {', '.join(values)}) AS r (id, package_id, from_day, first_day, last_day)"
        " CROSS JOIN LATERAL (SELECT day, revenue_minor - refunded_minor AS net"
        "   FROM analytics_sales_day WHERE package_id = r.package_id AND currency = %s"
        "   AND day BETWEEN r.from_day AND r.last_day) AS s"
        " GROUP BY r.id",
        [*params, currency],
    )
    return {pk: (int(during), int(before)) for pk, during, before in rows}


def _codes(period: Period, rows: dict[Any, tuple[int, ...]]) -> Block:
    ranked = _ranked(rows)
    codes = {code.pk: code for code in DiscountCode.objects.filter(pk__in=[pk for pk, _ in ranked])}
    table_rows = tuple(
        (
            codes[pk].code if pk in codes else "(code deleted)",
            codes[pk].name if pk in codes else "",
            *values,
        )
        for pk, values in ranked
    )
    return Block(
        "Promo codes",
        Chart(
            ChartKind.BARS,
            "Net revenue with each code",
            tuple(str(row[0]) for row in table_rows),
            (Series("Net revenue", tuple(values[2] for _, values in ranked)),),
            Kind.MONEY,
            period.currency,
        ),
        Table(
            "codes",
            "Sales with promo codes",
            (
                Column("code", "Code", Kind.TEXT),
                Column("name", "Name", Kind.TEXT),
                Column("orders", "Orders", Kind.COUNT),
                Column("units", "eSIMs", Kind.COUNT),
                Column("revenue", "Net revenue", Kind.MONEY),
                Column("discount", "Discount given", Kind.MONEY),
            ),
            table_rows,
            period.currency,
            note=f"The top {TOP} by net revenue in the period.",
        ),
    )
