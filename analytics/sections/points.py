"""The points ledger over the period: issued, spent, expired, clawed back (refunded orders'
points taken back), returned and adjusted; and what customers hold at the end, the
liability, in points and in what they would take off orders."""

from __future__ import annotations

from datetime import date, datetime

from django.conf import settings

from analytics.period import Period
from analytics.readers import fetch, in_buckets, total
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table

MOVEMENTS = (
    "issued",
    "spent",
    "expired",
    "clawed_back",
    "returned",
    "adjusted_up",
    "adjusted_down",
)
LABELS = {
    "issued": "Issued",
    "spent": "Spent",
    "expired": "Expired",
    "clawed_back": "Clawed back",
    "returned": "Returned",
    "adjusted_up": "Added by staff",
    "adjusted_down": "Taken by staff",
}


def build(period: Period, now: datetime) -> Section:
    days, opening = _movements(period)
    previous_days, previous_opening = _movements(period.previous())
    this, last = total(days, len(MOVEMENTS)), total(previous_days, len(MOVEMENTS))
    closing = opening + sum(this)
    previous_closing = previous_opening + sum(last)
    figures = (
        *(
            Figure(
                LABELS[movement],
                abs(this[index]),
                abs(last[index]),
                Kind.COUNT,
                lower_is_better=movement in ("expired", "clawed_back"),
            )
            for index, movement in enumerate(MOVEMENTS[:4])
        ),
        Figure("Outstanding points", closing, previous_closing, Kind.COUNT, note="At the end"),
        Figure(
            "Liability",
            value_cents(closing),
            value_cents(previous_closing),
            Kind.MONEY,
            "USD",
            note=f"{settings.POINTS_REDEMPTION_POINTS_PER_DOLLAR} points take $1 off",
        ),
    )
    return Section(figures, (_over_time(period, days, opening),))


def value_cents(points: int) -> int:
    """What `points` would take off orders, in USD cents (rounded down: a point is worth
    less than a cent when a dollar takes more than 100)."""
    return points * 100 // int(settings.POINTS_REDEMPTION_POINTS_PER_DOLLAR)


def _movements(period: Period) -> tuple[dict[date, tuple[int, ...]], int]:
    """Each day's movements in the period, and the points held before it began (the ledger
    starts at zero, so they are the sum of everything before)."""
    rows = fetch(
        "SELECT day, movement, sum(points) FROM analytics_points_day"
        " WHERE day BETWEEN %s AND %s GROUP BY day, movement",
        [period.start, period.end],
    )
    days: dict[date, list[int]] = {}
    for day, movement, points in rows:
        days.setdefault(day, [0] * len(MOVEMENTS))[MOVEMENTS.index(movement)] = int(points)
    [(opening,)] = fetch(
        "SELECT COALESCE(sum(points), 0) FROM analytics_points_day WHERE day < %s",
        [period.start],
    )
    return {day: tuple(values) for day, values in days.items()}, int(opening)


def _over_time(period: Period, days: dict[date, tuple[int, ...]], opening: int) -> Block:
    rows = in_buckets(period.buckets(), days, len(MOVEMENTS))
    held, outstanding = opening, []
    for _, values in rows:
        held += sum(values)
        outstanding.append(held)
    title = f"Points by {period.granularity.value}"
    return Block(
        title,
        Chart(
            ChartKind.COLUMNS,
            title,
            tuple(bucket.label for bucket, _ in rows),
            (
                Series("Issued", tuple(values[0] for _, values in rows)),
                Series("Outstanding", tuple(outstanding)),
            ),
            Kind.COUNT,
        ),
        Table(
            "movements",
            title,
            (
                Column("bucket", period.granularity.value.capitalize(), Kind.TEXT),
                *(Column(movement, LABELS[movement], Kind.COUNT) for movement in MOVEMENTS),
                Column("outstanding", "Outstanding at the end", Kind.COUNT),
                Column("liability", "Liability", Kind.MONEY),
            ),
            tuple(
                (bucket.label, *values, held, value_cents(held))
                for (bucket, values), held in zip(rows, outstanding, strict=True)
            ),
            "USD",
            note="Spent, expired, clawed back and taken are negative: they leave the balance.",
        ),
    )
