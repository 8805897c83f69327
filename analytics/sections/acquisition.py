"""Where customers come from and whether they stay: new customers by source, how many of the
period's sign-ups have bought, how many new customers bought again, and the monthly cohort
table. A customer is an account, or a guest's address until it joins an account; their
source is where they first came from (their first touch)."""

from __future__ import annotations

from datetime import date, datetime

from analytics.period import Bucket, Granularity, Period
from analytics.readers import fetch, in_buckets, per_day, ratio_bps, total
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table

MEASURES = ("new_customers", "repeat_customers", "sign_ups", "converted_sign_ups")
NEW, REPEAT, SIGN_UPS, CONVERTED = range(len(MEASURES))
COHORT_MONTHS = 12  # months after the first purchase shown in the cohort table


def build(period: Period, now: datetime) -> Section:
    this, last = _totals(period), _totals(period.previous())
    figures = (
        Figure("New customers", this[NEW], last[NEW], Kind.COUNT),
        Figure(
            "Bought again",
            ratio_bps(this[REPEAT], this[NEW]),
            ratio_bps(last[REPEAT], last[NEW]),
            Kind.BPS,
            note="Of the new customers, those with a second purchase since",
        ),
        Figure("Sign-ups", this[SIGN_UPS], last[SIGN_UPS], Kind.COUNT, note="Any currency"),
        Figure(
            "Sign-ups who bought",
            ratio_bps(this[CONVERTED], this[SIGN_UPS]),
            ratio_bps(last[CONVERTED], last[SIGN_UPS]),
            Kind.BPS,
            note="First-purchase conversion of registered customers",
        ),
    )
    return Section(figures, (_over_time(period), _by_source(period), _cohorts(period)))


def _new_per_day(period: Period) -> dict[date, tuple[int, ...]]:
    return per_day(
        "analytics_acquisition_day",
        ("new_customers", "repeat_customers"),
        period.start,
        period.end,
        period.currency,
    )


def _totals(period: Period) -> tuple[int, ...]:
    """New customers in the period's currency; sign-ups in any (they have none until they
    buy)."""
    new = total(_new_per_day(period), 2)
    signed_up = total(
        per_day(
            "analytics_acquisition_day",
            ("sign_ups", "converted_sign_ups"),
            period.start,
            period.end,
            None,
        ),
        2,
    )
    return new + signed_up


def _over_time(period: Period) -> Block:
    rows = in_buckets(period.buckets(), _new_per_day(period), 2)
    title = f"New customers by {period.granularity.value}"
    return Block(
        title,
        Chart(
            ChartKind.COLUMNS,
            title,
            tuple(bucket.label for bucket, _ in rows),
            (Series("New customers", tuple(values[0] for _, values in rows)),),
            Kind.COUNT,
        ),
        Table(
            "new-customers",
            title,
            (
                Column("bucket", period.granularity.value.capitalize(), Kind.TEXT),
                Column("new", "New customers", Kind.COUNT),
                Column("again", "Bought again since", Kind.COUNT),
            ),
            tuple((bucket.label, *values) for bucket, values in rows),
        ),
    )


def _by_source(period: Period) -> Block:
    rows = fetch(
        "SELECT source, sum(new_customers) FILTER (WHERE currency = %s),"
        " sum(repeat_customers) FILTER (WHERE currency = %s),"
        " sum(sign_ups), sum(converted_sign_ups)"
        " FROM analytics_acquisition_day WHERE day BETWEEN %s AND %s"
        " GROUP BY source ORDER BY 2 DESC NULLS LAST, 4 DESC, source",
        [period.currency, period.currency, period.start, period.end],
    )
    table_rows = tuple(
        (
            source,
            int(new or 0),
            ratio_bps(int(again or 0), int(new or 0)),
            int(signed_up),
            ratio_bps(int(converted), int(signed_up)),
        )
        for source, new, again, signed_up, converted in rows
    )
    return Block(
        "New customers by source",
        Chart(
            ChartKind.BARS,
            "New customers by source",
            tuple(row[0] for row in table_rows),
            (Series("New customers", tuple(row[1] for row in table_rows)),),
            Kind.COUNT,
        ),
        Table(
            "by-source",
            "New customers by source",
            (
                Column("source", "First came from", Kind.TEXT),
                Column("new", "New customers", Kind.COUNT),
                Column("again", "Bought again", Kind.BPS),
                Column("sign_ups", "Sign-ups", Kind.COUNT),
                Column("converted", "Sign-ups who bought", Kind.BPS),
            ),
            table_rows,
        ),
    )


def _cohorts(period: Period) -> Block:
    """The cohorts of the months the period touches: customers who first bought that month
    (in the period's currency) and, for each month after, how many bought again then."""
    months = [bucket.start.replace(day=1) for bucket in _months_of(period)]
    cells = fetch(
        "SELECT cohort, months_after, customers FROM analytics_cohort_cell"
        " WHERE currency = %s AND cohort = ANY(%s) AND months_after <= %s",
        [period.currency, months, COHORT_MONTHS],
    )
    grid: dict[date, dict[int, int]] = {month: {} for month in months}
    for cohort, months_after, customers in cells:
        grid[cohort][months_after] = int(customers)
    columns = (
        Column("cohort", "First purchase", Kind.MONTH),
        Column("customers", "Customers", Kind.COUNT),
        *(Column(f"m{n}", f"+{n}", Kind.BPS) for n in range(1, COHORT_MONTHS + 1)),
    )
    rows = []
    for month in months:
        size = grid[month].get(0, 0)
        rows.append(
            (
                month,
                size,
                *(
                    ratio_bps(grid[month].get(n, 0), size) if _reached(month, n, period) else None
                    for n in range(1, COHORT_MONTHS + 1)
                ),
            )
        )
    return Block(
        "Monthly cohorts",
        None,
        Table(
            "cohorts",
            "Customers buying again, by month of their first purchase",
            columns,
            tuple(rows),
            note="+n: the share of the cohort who bought in the n-th month after their first.",
        ),
    )


def _months_of(period: Period) -> list[Bucket]:
    return Period(period.start, period.end, period.currency, Granularity.MONTH).buckets()


def _reached(cohort: date, months_after: int, period: Period) -> bool:
    """Whether that month after the cohort has begun by the period's end (else: blank)."""
    index = cohort.year * 12 + cohort.month - 1 + months_after
    return date(index // 12, index % 12 + 1, 1) <= period.end
