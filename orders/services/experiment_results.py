"""What price experiments learn from orders: a paid order is a conversion of the variants
that priced its lines, a refunded one takes it back (pricing.experiments.conversions)."""

from __future__ import annotations

from datetime import datetime

from orders.models import Order
from pricing.experiments.conversions import PaidLine, record_conversions, reverse_conversions


def count_conversion(order: Order, now: datetime) -> None:
    if not order.visitor:  # nobody an experiment could have priced for
        return
    record_conversions(
        order_id=order.pk,
        visitor=order.visitor,
        currency=order.currency_code,
        lines=[
            PaidLine(
                item.experiment_id,
                item.experiment_variant_id,
                item.quantity,
                item.amount_paid_cents,
            )
            for item in order.items.all()
        ],
        now=now,
    )


def take_back_conversion(order: Order, now: datetime) -> None:
    if order.visitor:
        reverse_conversions(order_id=order.pk, now=now)
