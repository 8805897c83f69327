"""What order managers do to an order from Admin, through the state machine."""

from __future__ import annotations

from functools import partial
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


def retry_fulfilment(order_id: Any, *, reason: str) -> Order:
    """After a human fixed the cause (balance topped up, package mapped): the order is
    fulfilled again. Safe to press twice: items already ordered are never ordered again."""
    from orders.tasks import fulfil_order

    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.payment_status != PaymentStatus.COMPLETED or order.fulfilment_requested_at is None:
            raise DomainError(f"{order.order_number} is not paid: nothing to fulfil.")
        if order.needs_review:
            order.needs_review = False
            order.review_reason = f"{order.review_reason} Retried: {reason}".strip()
            order.save(update_fields=["needs_review", "review_reason", "updated_at"])
        transaction.on_commit(lambda: fulfil_order.delay(str(order.pk)))
    return order


def resend_delivery_email(order_id: Any, *, reason: str) -> Order:
    """Sends the eSIM delivery email of a completed order again."""
    from orders.emails import ESIM_DELIVERY, requeue_email

    order = Order.objects.get(pk=order_id)
    log = order.emails.filter(template_name=ESIM_DELIVERY).first()
    if log is None:
        raise DomainError(f"{order.order_number} has no eSIM delivered yet.")
    requeue_email(log)
    return order


def requery_provider(order_id: Any, *, reason: str) -> Order:
    """Asks eSIM Access for the eSIMs of the order's ordered items, in the background (no
    provider call inside an admin's transaction); a delivery that seems stuck completes."""
    from orders.tasks import collect_item_profiles

    order = Order.objects.get(pk=order_id)
    items = [str(pk) for pk in order.items.exclude(esim_order_no="").values_list("pk", flat=True)]
    if not items:
        raise DomainError(f"{order.order_number} has not been ordered from eSIM Access yet.")
    for item_id in items:
        transaction.on_commit(partial(collect_item_profiles.delay, item_id))
    return order
