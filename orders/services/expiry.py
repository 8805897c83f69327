"""Unpaid orders expire: after ORDER_PAYMENT_WINDOW_MINUTES a pending order gives back its
stock and its promo code's use. Run by a beat job every few minutes; batches are claimed with
SKIP LOCKED, so two runs (or a payment arriving at the same moment) never collide."""

from __future__ import annotations

import logging
from datetime import datetime

from django.db import transaction

from orders.models import Order, OrderStatus, PaymentStatus
from orders.services import reservations
from orders.states import ORDER, advance

logger = logging.getLogger(__name__)

BATCH_SIZE = 200


def expire_unpaid_orders(*, now: datetime, limit: int = BATCH_SIZE * 10) -> int:
    """Expires pending orders past their payment window, one short transaction each (an order
    that cannot be released is flagged and skipped, never blocking the others). Returns how
    many expired."""
    expired = 0
    for _ in range(limit):
        with transaction.atomic():
            order = (
                Order.objects.select_for_update(skip_locked=True)
                .filter(status=OrderStatus.PENDING, expires_at__lte=now, needs_review=False)
                .exclude(payment_status=PaymentStatus.COMPLETED)  # paid, awaiting a human
                .order_by("expires_at")
                .first()
            )
            if order is None:
                break
            try:
                with transaction.atomic():
                    advance(order, ORDER, OrderStatus.EXPIRED)
                    reservations.release(order)
                    order.save(update_fields=["status", "reservation", "updated_at"])
                expired += 1
            except Exception as error:
                logger.exception("Could not expire %s", order.order_number)
                Order.objects.filter(pk=order.pk).update(
                    needs_review=True, review_reason=f"Could not expire: {error}"[:500]
                )
    if expired:
        logger.info("Expired %d unpaid order(s)", expired)
    return expired
