"""What order managers do to an order from Admin, through the state machine."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from hiroam.api.errors import DomainError
from orders.models import Order, OrderStatus, PaymentStatus
from orders.services import reservations
from orders.states import ORDER, advance


def cancel_unpaid_order(order_id: Any, *, reason: str) -> Order:
    """An unpaid order is cancelled and gives back what it held. A paid one is refunded
    instead (not here)."""
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.payment_status == PaymentStatus.COMPLETED:
            raise DomainError(f"{order.order_number} is paid: refund it instead of cancelling.")
        advance(order, ORDER, OrderStatus.CANCELLED)
        reservations.release(order)
        order.review_reason = f"{order.review_reason} Cancelled: {reason}".strip()
        order.save(update_fields=["status", "reservation", "review_reason", "updated_at"])
    return order


def flag_for_review(order_id: Any, *, reason: str) -> Order:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        order.needs_review = True
        order.review_reason = f"{order.review_reason} {reason}".strip()
        order.save(update_fields=["needs_review", "review_reason", "updated_at"])
    return order
