"""Reading the summary tables for a period: the few query shapes every section uses.

Sales over a long range are read from the monthly rollup for the whole months inside it and
from the daily rows only for the days at its edges, so a year costs twelve months of rows,
not 365 days of them. Everything else is small enough to read by day."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from typing import Any

from django.db import connection

from analytics.period import Bucket, Period

SALE_MEASURES = (
    "orders",
    "units",
    "gross_minor",
    "product_discount_minor",
    "code_discount_minor",
    "points_discount_minor",
    "revenue_minor",
    "refunded_orders",
    "refunded_units",
    "refunded_minor",
)


def fetch(sql: str, params: Sequence[Any] | dict[str, Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


def sales_by_package(
    period: Period, today: date, measures: Sequence[str] = SALE_MEASURES
) -> list[tuple[Any, ...]]:
    """Sales in the period's currency summed by package: rows of the package's id, then the
    measures in order."""
    months, edges = period.month_split()
    if edges and edges[-1][0].day == 1 and edges[-1][1] >= today:
        # The month so far: its rollup holds nothing after today, so it is read whole.
        months, edges = [*months, edges[-1][0]], edges[:-1]
    parts: list[str] = []
    params: list[Any] = []
    keys = "package_id"
    sums = ", ".join(f"sum({measure})::bigint" for measure in measures)
    if months:
        parts.append(
            f"SELECT {keys}, {', '.join(measures)} FROM analytics_sales_month"
            " WHERE currency = %s AND month = ANY(%s)"
        )
        params += [period.currency, months]
    for first, last in edges:
        parts.append(
            f"SELECT {keys}, {', '.join(measures)} FROM analytics_sales_day"
            " WHERE currency = %s AND day BETWEEN %s AND %s"
        )
        params += [period.currency, first, last]
    union = " UNION ALL ".join(parts)
    return fetch(
        f"SELECT {keys}, {sums} FROM ({union}) AS sales GROUP BY {keys}",
        params,
    )


def per_day(
    table: str, measures: Sequence[str], start: date, end: date, currency: str | None
) -> dict[date, tuple[int, ...]]:
    """A daily summary's `measures` summed per day from `start` to `end` (inclusive), in
    `currency` unless it is None."""
    sums = ", ".join(f"COALESCE(sum({measure}), 0)::bigint" for measure in measures)
    where = "day BETWEEN %s AND %s" + (" AND currency = %s" if currency else "")
    params: list[Any] = [start, end] + ([currency] if currency else [])
    rows = fetch(
        f"SELECT day, {sums} FROM {table} WHERE {where} GROUP BY day",
        params,
    )
    return {row[0]: tuple(int(value) for value in row[1:]) for row in rows}


def in_buckets(
    buckets: Iterable[Bucket], days: dict[date, tuple[int, ...]], width: int
) -> list[tuple[Bucket, tuple[int, ...]]]:
    """Daily values summed into the chart's buckets (days with no row count as zero)."""
    summed = []
    for bucket in buckets:
        totals = [0] * width
        day = bucket.start
        while day <= bucket.end:
            for index, value in enumerate(days.get(day, ())):
                totals[index] += value
            day += timedelta(days=1)
        summed.append((bucket, tuple(totals)))
    return summed


def total(days: dict[date, tuple[int, ...]], width: int) -> tuple[int, ...]:
    return tuple(sum(values[index] for values in days.values()) for index in range(width))


def ratio_bps(part: int, whole: int) -> int | None:
    """part / whole in basis points, rounded half up; None for an empty whole."""
    return (part * 20_000 + whole) // (whole * 2) if whole else None


def per_100(part: int, whole: int) -> int | None:
    """part / whole times 100 (1.50 is 150), rounded half up; None for an empty whole."""
    return (part * 200 + whole) // (whole * 2) if whole else None


def average(part: int, whole: int) -> int | None:
    """part / whole in whole minor units, rounded half up; None for an empty whole."""
    return (part * 2 + whole) // (whole * 2) if whole else None
