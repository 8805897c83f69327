"""How far the checkouts of the period got: created, paid, eSIMs delivered, at least one eSIM
installed, with the drop at each step; and by source. Checkouts are counted on the day they
were created, with how far they have got since (as of the last refresh)."""

from __future__ import annotations

from datetime import date, datetime

from analytics.period import Period
from analytics.readers import fetch, per_day, ratio_bps, total
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table

STEPS = ("checkouts", "paid", "delivered", "installed")
LABELS = ("Checkouts created", "Paid", "eSIMs delivered", "Installed")


def build(period: Period, now: datetime) -> Section:
    this = total(_days(period), len(STEPS))
    last = total(_days(period.previous()), len(STEPS))
    figures = (
        *(Figure(label, this[step], last[step], Kind.COUNT) for step, label in enumerate(LABELS)),
        Figure(
            "Checkout to payment",
            ratio_bps(this[1], this[0]),
            ratio_bps(last[1], last[0]),
            Kind.BPS,
        ),
    )
    return Section(figures, (_steps(this, last), _by_source(period)))


def _days(period: Period) -> dict[date, tuple[int, ...]]:
    return per_day("analytics_funnel_day", STEPS, period.start, period.end, period.currency)


def _steps(this: tuple[int, ...], last: tuple[int, ...]) -> Block:
    rows = []
    for step, label in enumerate(LABELS):
        before = this[step - 1] if step else this[step]
        rows.append(
            (
                label,
                this[step],
                ratio_bps(this[step], before),
                before - this[step],
                last[step],
            )
        )
    return Block(
        "Funnel",
        Chart(
            ChartKind.FUNNEL,
            "From checkout to installed eSIM",
            LABELS,
            (Series("This period", this), Series("Previous period", last)),
            Kind.COUNT,
        ),
        Table(
            "steps",
            "Funnel steps",
            (
                Column("step", "Step", Kind.TEXT),
                Column("count", "Orders", Kind.COUNT),
                Column("kept", "Of the step before", Kind.BPS),
                Column("dropped", "Dropped", Kind.COUNT),
                Column("previous", "Previous period", Kind.COUNT),
            ),
            tuple(rows),
            note="Checkouts created in the period and how far each has got since.",
        ),
    )


def _by_source(period: Period) -> Block:
    rows = fetch(
        "SELECT source, sum(checkouts), sum(paid), sum(delivered), sum(installed)"
        " FROM analytics_funnel_day WHERE currency = %s AND day BETWEEN %s AND %s"
        " GROUP BY source ORDER BY sum(checkouts) DESC, source",
        [period.currency, period.start, period.end],
    )
    return Block(
        "Funnel by source",
        None,
        Table(
            "by-source",
            "Funnel by source",
            (
                Column("source", "Source", Kind.TEXT),
                *(Column(s, label, Kind.COUNT) for s, label in zip(STEPS, LABELS, strict=True)),
                Column("conversion", "Checkout to payment", Kind.BPS),
            ),
            tuple(
                (source, *(int(n) for n in counts), ratio_bps(int(counts[1]), int(counts[0])))
                for source, *counts in rows
            ),
        ),
    )
