"""What the 90-day job recovered: unused eSIMs cancelled and the provider cost they gave back,
by month; what waits for it now; and the money given back to customers in the period."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from django.db.models import Count, Q

from analytics.period import Granularity, Period
from analytics.readers import in_buckets, per_day, total
from analytics.report import Block, Chart, ChartKind, Column, Figure, Kind, Section, Series, Table
from orders.models import EsimProfile, RefundStatus, SmdpStatus

MEASURES = ("profiles", "recovered_cents")
SOON = (7, 30, 90)  # days ahead for "becoming eligible"


def build(period: Period, now: datetime) -> Section:
    this = _days(period)
    last = _days(period.previous())
    this_total, last_total = total(this, 2), total(last, 2)
    customers = per_day(
        "analytics_orders_day",
        ("refunded_orders", "refunded_minor"),
        period.start,
        period.end,
        period.currency,
    )
    given_back = total(customers, 2)
    before = period.previous()
    given_back_before = total(
        per_day(
            "analytics_orders_day",
            ("refunded_orders", "refunded_minor"),
            before.start,
            before.end,
            period.currency,
        ),
        2,
    )
    pending = _pending(now)
    figures = (
        Figure("eSIMs recovered", this_total[0], last_total[0], Kind.COUNT),
        Figure("Cost recovered", this_total[1], last_total[1], Kind.MONEY, "USD"),
        Figure("Waiting for the job", pending[0][1], None, Kind.COUNT, note="Eligible now"),
        Figure(
            "Orders refunded to customers",
            given_back[0],
            given_back_before[0],
            Kind.COUNT,
            note=f"{period.currency} orders",
            lower_is_better=True,
        ),
        Figure(
            "Given back to customers",
            given_back[1],
            given_back_before[1],
            Kind.MONEY,
            period.currency,
            lower_is_better=True,
        ),
    )
    return Section(figures, (_by_month(period, this), _waiting(pending)))


def _days(period: Period) -> dict[date, tuple[int, ...]]:
    # Provider cost is in USD whatever the customer paid in: not filtered by currency.
    return per_day("analytics_esim_refund_day", MEASURES, period.start, period.end, None)


def _by_month(period: Period, days: dict[date, tuple[int, ...]]) -> Block:
    months = Period(period.start, period.end, period.currency, Granularity.MONTH)
    rows = in_buckets(months.buckets(), days, 2)
    return Block(
        "Recovered by month",
        Chart(
            ChartKind.COLUMNS,
            "Provider cost recovered by month",
            tuple(bucket.label for bucket, _ in rows),
            (Series("Recovered", tuple(values[1] for _, values in rows)),),
            Kind.MONEY,
            "USD",
        ),
        Table(
            "recovered",
            "Unused eSIMs cancelled by the 90-day job",
            (
                Column("month", "Month", Kind.TEXT),
                Column("profiles", "eSIMs", Kind.COUNT),
                Column("recovered", "Cost recovered", Kind.MONEY),
            ),
            tuple((bucket.label, *values) for bucket, values in rows),
            "USD",
            note="Provider cost, in USD whatever currency the customer paid in.",
        ),
    )


def _pending(now: datetime) -> list[tuple[str, int]]:
    """The job's queue as it stands: two counts, each over one of its partial indexes."""
    queued = dict(
        EsimProfile.objects.filter(
            refund_status__in=[RefundStatus.ELIGIBLE, RefundStatus.PROCESSING, RefundStatus.FAILED]
        )
        .values_list("refund_status")
        .annotate(Count("pk"))
        .order_by()
    )
    soon = EsimProfile.objects.filter(
        refund_status=RefundStatus.NOT_ELIGIBLE,
        smdp_status=SmdpStatus.RELEASED,
        refund_eligible_at__lte=now + timedelta(days=max(SOON)),
    ).aggregate(
        **{
            f"within_{days}": Count(
                "pk", filter=Q(refund_eligible_at__lte=now + timedelta(days=days))
            )
            for days in SOON
        }
    )
    return [
        ("Eligible, waiting for the next run", queued.get(RefundStatus.ELIGIBLE, 0)),
        ("Being processed", queued.get(RefundStatus.PROCESSING, 0)),
        ("Failed, to be tried again", queued.get(RefundStatus.FAILED, 0)),
        *((f"Unused, eligible within {days} days", soon[f"within_{days}"]) for days in SOON),
    ]


def _waiting(pending: list[tuple[str, int]]) -> Block:
    return Block(
        "Pending eligibility",
        None,
        Table(
            "pending",
            "eSIMs waiting to be recovered (now)",
            (Column("state", "State", Kind.TEXT), Column("profiles", "eSIMs", Kind.COUNT)),
            tuple(pending),
            note="As of now, whatever the period: the 90-day job's queue.",
        ),
    )
