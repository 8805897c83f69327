"""Reads of the 90-day refund job's state, shaped for the admin monitor (plan 11.8) and the
expiry warning (plan 11.9). Every figure is aggregated in SQL: the number of queries never
grows with the number of eSIMs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import BigIntegerField, Count, ExpressionWrapper, F, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from hiroam.integrations.units import PROVIDER_UNITS_PER_CENT
from orders.models import EsimProfile, ProfileStatus, RefundStatus, SmdpStatus
from refunds.models import RefundRun

UPCOMING_DAYS = 7
LISTED = 50  # rows in each list of the monitor; the full lists are in "Unused eSIMs"
RUNS_LISTED = 20
# Never read for a list: the codes (encrypted, decrypted per row) and the provider's links.
NOT_LISTED = ("activation_code", "manual_code", "qr_code_url", "short_url", "metadata")

# Still cancellable by our records, and not yet picked up by the job: ready, never downloaded.
STILL_UNUSED = Q(
    refund_status=RefundStatus.NOT_ELIGIBLE,
    esim_status=ProfileStatus.GOT_RESOURCE,
    smdp_status=SmdpStatus.RELEASED,
)


def provider_cost_cents() -> ExpressionWrapper[Any]:
    """What a cancel gives back for one eSIM, as the job records it: the provider's price of
    its item (its package's price today for items ordered before the price was kept), in whole
    cents rounded down (balance_cents_from_provider_units)."""
    units = Coalesce(
        F("order_item__provider_unit_price_units"),
        F("order_item__package__provider_price_units"),
        output_field=BigIntegerField(),
    )
    return ExpressionWrapper(units / PROVIDER_UNITS_PER_CENT, output_field=BigIntegerField())


def unused_profiles_becoming_eligible(*, now: datetime, days: int) -> QuerySet[EsimProfile]:
    """Still-unused eSIMs whose 90 days end within `days` (or have ended, for the next run)."""
    return EsimProfile.objects.filter(STILL_UNUSED, refund_eligible_at__lte=now + timedelta(days))


@dataclass(frozen=True)
class StatusFigures:
    status: str
    label: str
    count: int
    # Refunded: what was recovered. Any other status: what its eSIMs cost at the provider.
    value_cents: int


@dataclass(frozen=True)
class Upcoming:
    count: int
    value_cents: int
    first: Sequence[EsimProfile]


@dataclass(frozen=True)
class MonitorFigures:
    by_status: list[StatusFigures]
    upcoming: Upcoming
    recent_refunds: Sequence[EsimProfile]
    failures: Sequence[EsimProfile]
    runs: Sequence[RefundRun]


def figures_by_status() -> list[StatusFigures]:
    """Every refund status with its count and value, in the machine's order (one query)."""
    rows = {
        row["refund_status"]: row
        for row in EsimProfile.objects.order_by()
        .values("refund_status")
        .annotate(
            count=Count("pk"),
            recovered_cents=Coalesce(Sum("refund_amount_cents"), 0),
            cost_cents=Coalesce(Sum(provider_cost_cents()), 0),
        )
    }
    figures = []
    for status in RefundStatus:
        row = rows.get(status.value, {"count": 0, "recovered_cents": 0, "cost_cents": 0})
        value = row["recovered_cents" if status == RefundStatus.REFUNDED else "cost_cents"]
        figures.append(StatusFigures(status.value, status.label, row["count"], int(value)))
    return figures


def upcoming_refunds(*, now: datetime, days: int = UPCOMING_DAYS) -> Upcoming:
    """The eSIMs the job will take within `days`: their count and value, and the first ones."""
    due = unused_profiles_becoming_eligible(now=now, days=days)
    totals = due.aggregate(count=Count("pk"), value_cents=Coalesce(Sum(provider_cost_cents()), 0))
    first = list(
        due.select_related("order", "order_item")
        .defer(*NOT_LISTED)
        .annotate(cost_cents=provider_cost_cents())
        .order_by("refund_eligible_at", "pk")[:LISTED]
    )
    return Upcoming(totals["count"], int(totals["value_cents"]), first)


def recent_refunds() -> list[EsimProfile]:
    return list(
        EsimProfile.objects.filter(refund_status=RefundStatus.REFUNDED)
        .select_related("order", "order_item")
        .defer(*NOT_LISTED)
        .order_by(F("refunded_at").desc(nulls_last=True), "pk")[:LISTED]
    )


def current_failures() -> list[EsimProfile]:
    """eSIMs whose cancel failed: retried by later runs until the attempts run out."""
    return list(
        EsimProfile.objects.filter(refund_status=RefundStatus.FAILED)
        .select_related("order", "order_item")
        .defer(*NOT_LISTED)
        .annotate(cost_cents=provider_cost_cents())
        .order_by("-updated_at", "pk")[:LISTED]
    )


def latest_runs() -> list[RefundRun]:
    return list(RefundRun.objects.order_by("-started_at", "-id")[:RUNS_LISTED])


def monitor_figures(*, now: datetime) -> MonitorFigures:
    """Everything the refund monitor shows, in a fixed number of queries."""
    return MonitorFigures(
        by_status=figures_by_status(),
        upcoming=upcoming_refunds(now=now),
        recent_refunds=recent_refunds(),
        failures=current_failures(),
        runs=latest_runs(),
    )
