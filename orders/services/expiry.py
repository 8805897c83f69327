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


def expire_unpaid_orders(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Expires every pending order past its payment window. Returns how many."""
    expired = 0
    while True:
        with transaction.atomic():
            batch = list(
                Order.objects.select_for_update(skip_locked=True)
                .filter(status=OrderStatus.PENDING, expires_at__lte=now)
                .exclude(payment_status=PaymentStatus.COMPLETED)  # paid, awaiting a human
                .order_by("expires_at")[:batch_size]
            )
            for order in batch:
                advance(order, ORDER, OrderStatus.EXPIRED)
                reservations.release(order)
                order.save(update_fields=["status", "reservation", "updated_at"])
        expired += len(batch)
        if len(batch) < batch_size:
            break
    if expired:
        logger.info("Expired %d unpaid order(s)", expired)
    return expired
