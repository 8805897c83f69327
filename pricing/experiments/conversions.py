"""Orders paid at an experiment's price: one conversion per experiment an order's lines were
priced in, with what those lines were paid. A refund reverses it (the row stays, marked), so
the metrics count only orders that kept their money."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from pricing.models import ExperimentConversion, PriceVariant


@dataclass(frozen=True)
class PaidLine:
    """An order line as paid: the variant that priced it (from the order's snapshot)."""

    experiment_id: Any
    variant_id: Any
    units: int
    paid_minor: int  # after the promo code's and the points' shares


def record_conversions(
    *,
    order_id: Any,
    visitor: str,
    currency: str,
    lines: Sequence[PaidLine],
    now: datetime,
) -> None:
    """Counts the paid order once per experiment (a replayed payment adds nothing). Lines of
    an experiment deleted since checkout are left out."""
    totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for line in lines:
        if line.experiment_id and line.variant_id:
            total = totals[(str(line.experiment_id), str(line.variant_id))]
            total[0] += line.units
            total[1] += line.paid_minor
    if not totals:
        return
    existing = {
        str(pk)
        for pk in PriceVariant.objects.filter(
            pk__in=[variant_id for _, variant_id in totals]
        ).values_list("pk", flat=True)
    }
    rows = [
        ExperimentConversion(
            experiment_id=experiment_id,
            variant_id=variant_id,
            visitor=visitor,
            order_id=order_id,
            currency=currency,
            units=units,
            revenue_minor=paid,
            converted_at=now,
        )
        for (experiment_id, variant_id), (units, paid) in totals.items()
        if variant_id in existing
    ]
    ExperimentConversion.objects.bulk_create(rows, ignore_conflicts=True)


def reverse_conversions(*, order_id: Any, now: datetime) -> int:
    """The order was refunded: its conversions stop counting. Idempotent."""
    return ExperimentConversion.objects.filter(order_id=order_id, reversed_at__isnull=True).update(
        reversed_at=now
    )
