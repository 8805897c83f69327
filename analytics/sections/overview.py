"""Revenue, orders, average order value and items per order, against the previous period;
revenue over the period by its granularity and by calendar month; and by source."""

from __future__ import annotations

from datetime import date, datetime

from analytics.period import Bucket, Granularity, Period
from analytics.readers import average, fetch, in_buckets, per_100, per_day, total
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table

# OrdersDay's measures, in this order everywhere below.
MEASURES = ("orders", "units", "revenue_minor", "refunded_orders", "refunded_minor")
ORDERS, UNITS, REVENUE, REFUNDED_ORDERS, REFUNDED = range(len(MEASURES))


def build(period: Period, now: datetime) -> Section:
    days = per_day("analytics_orders_day", MEASURES, period.start, period.end, period.currency)
    before = period.previous()
    previous_days = per_day(
        "analytics_orders_day", MEASURES, before.start, before.end, period.currency
    )
    this, last = total(days, len(MEASURES)), total(previous_days, len(MEASURES))
    money = (Kind.MONEY, period.currency)
    figures = (
        Figure("Net revenue", net(this), net(last), *money, note="Paid less refunded"),
        Figure("Paid orders", this[ORDERS], last[ORDERS], Kind.COUNT),
        Figure(
            "Average order value",
            average(this[REVENUE], this[ORDERS]),
            average(last[REVENUE], last[ORDERS]),
            *money,
        ),
        Figure(
            "Items per order",
            per_100(this[UNITS], this[ORDERS]),
            per_100(last[UNITS], last[ORDERS]),
            Kind.PER_100,
        ),
        Figure(
            "Refunded",
            this[REFUNDED],
            last[REFUNDED],
            *money,
            note="Given back to customers",
            lower_is_better=True,
        ),
    )
    return Section(
        figures,
        (
            _over_time(period, days, previous_days),
            # By month as well, unless the chart above already is.
            *(
                ()
                if period.granularity is Granularity.MONTH
                else (_over_time(_by_month(period), days, None, name="by-month"),)
            ),
            _by_source(period),
        ),
    )


def net(values: tuple[int, ...]) -> int:
    return values[REVENUE] - values[REFUNDED]


def _by_month(period: Period) -> Period:
    return Period(period.start, period.end, period.currency, Granularity.MONTH)


def _over_time(
    period: Period,
    days: dict[date, tuple[int, ...]],
    previous_days: dict[date, tuple[int, ...]] | None,
    name: str = "over-time",
) -> Block:
    rows = in_buckets(period.buckets(), days, len(MEASURES))
    series = [Series("This period", tuple(net(values) for _, values in rows))]
    if previous_days is not None:
        earlier = in_buckets(_aligned(period), previous_days, len(MEASURES))
        series.append(Series("Previous period", tuple(net(values) for _, values in earlier)))
    by = "month" if name == "by-month" else period.granularity.value
    return Block(
        f"Net revenue by {by}",
        Chart(
            ChartKind.COLUMNS,
            f"Net revenue by {by}",
            tuple(bucket.label for bucket, _ in rows),
            tuple(series),
            Kind.MONEY,
            period.currency,
        ),
        Table(
            name,
            f"Revenue by {by}",
            (
                Column("bucket", by.capitalize(), Kind.TEXT),
                Column("orders", "Paid orders", Kind.COUNT),
                Column("units", "eSIMs", Kind.COUNT),
                Column("revenue", "Revenue", Kind.MONEY),
                Column("aov", "Average order value", Kind.MONEY),
                Column("refunded", "Refunded", Kind.MONEY),
                Column("net", "Net revenue", Kind.MONEY),
            ),
            tuple(
                (
                    bucket.label,
                    values[ORDERS],
                    values[UNITS],
                    values[REVENUE],
                    average(values[REVENUE], values[ORDERS]),
                    values[REFUNDED],
                    net(values),
                )
                for bucket, values in rows
            ),
            period.currency,
        ),
    )


def _aligned(period: Period) -> list[Bucket]:
    """The previous period cut into as many buckets as this one, day for day, so its values
    line up under this period's labels."""
    shift = period.start - period.previous().start
    return [
        Bucket(bucket.label, bucket.start - shift, bucket.end - shift)
        for bucket in period.buckets()
    ]


def _by_source(period: Period) -> Block:
    rows = fetch(
        "SELECT source, sum(orders), sum(revenue_minor), sum(refunded_minor)"
        " FROM analytics_orders_day WHERE currency = %s AND day BETWEEN %s AND %s"
        " GROUP BY source ORDER BY sum(revenue_minor) - sum(refunded_minor) DESC, source",
        [period.currency, period.start, period.end],
    )
    return Block(
        "Net revenue by source",
        None,
        Table(
            "by-source",
            "Net revenue by source",
            (
                Column("source", "Source", Kind.TEXT),
                Column("orders", "Paid orders", Kind.COUNT),
                Column("revenue", "Revenue", Kind.MONEY),
                Column("refunded", "Refunded", Kind.MONEY),
                Column("net", "Net revenue", Kind.MONEY),
            ),
            tuple(
                (source, int(orders), int(revenue), int(refunded), int(revenue - refunded))
                for source, orders, revenue, refunded in rows
            ),
            period.currency,
            note="Source: the order's utm_source, else the site that referred it, else (direct).",
        ),
    )
