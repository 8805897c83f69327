"""Fulfilment, first step: ordering a paid order's eSIMs from eSIM Access.

Each item is ordered with a `transactionId` derived from the item (never random), so a retry —
after a timeout, a provider error or a worker killed mid-call — is the same order to the
provider and can never buy twice. The provider call is made with no transaction open; its
result is recorded right after, under the order's row lock. Retryable failures are raised for
the task to retry with backoff (for hours); a refusal a retry cannot fix (balance, unknown
package, price changed) flags the order for a human and alerts the staff.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction

from hiroam.integrations.esim_access import esim_access_client
from hiroam.integrations.esim_access.errors import EsimAccessError, EsimAccessRetryableError
from hiroam.integrations.esim_access.results import OrderLine
from orders.emails import alert_staff
from orders.models import EsimStatus, Order, OrderItem, OrderStatus
from orders.states import ESIM, ORDER, advance

logger = logging.getLogger(__name__)

ITEM_ORDERED = "ordered"


def provider_transaction_id(item: OrderItem, order_number: str) -> str:
    """The same for every attempt at this item (at most 50 characters, as the provider asks)."""
    return f"{order_number}-{item.pk.hex[:12]}"


def _ready(order: Order) -> bool:
    return (
        order.fulfilment_requested_at is not None
        and not order.needs_review
        and order.status in (OrderStatus.PAID, OrderStatus.PROCESSING)
    )


def order_from_provider(order_id: Any, now: datetime) -> str:
    """Orders every item of the order not ordered yet. Returns what happened."""
    order = Order.objects.get(pk=order_id)
    if not _ready(order):
        return "not ready"
    waiting = list(order.items.filter(esim_order_no="").select_related("package"))
    client = esim_access_client()
    for item in waiting:
        transaction_id = provider_transaction_id(item, order.order_number)
        price_units = item.package.provider_price_units
        try:
            placed = client.order_profiles(
                transaction_id=transaction_id,
                lines=[OrderLine(item.package_code, count=item.quantity, price_units=price_units)],
                amount_units=price_units * item.quantity,
            )
        except EsimAccessRetryableError:
            raise  # busy, or still working on it: the task tries again later
        except EsimAccessError as error:  # a refusal: the same call would be refused again
            _needs_a_human(order.pk, f"eSIM Access refused {item.package_code}: {error}")
            return "flagged"
        OrderItem.objects.filter(pk=item.pk, esim_order_no="").update(
            esim_order_no=placed.order_no,
            transaction_id=transaction_id,
            status=ITEM_ORDERED,
            profiles_ordered=item.quantity,
            provider_unit_price_units=price_units,  # what a 90-day cancel gives back
        )
        _collect_soon(item.pk)
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.items.filter(esim_order_no="").exists() or not _ready(order):
            return "partly ordered"
        moved = advance(order, ORDER, OrderStatus.PROCESSING)
        moved |= advance(order, ESIM, EsimStatus.ORDERED)
        if moved:
            order.save(update_fields=["status", "esim_status", "updated_at"])
    return "ordered"


def _needs_a_human(order_id: Any, reason: str) -> None:
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.needs_review:
            return
        order.needs_review = True
        order.review_reason = f"{order.review_reason} {reason}".strip()
        order.save(update_fields=["needs_review", "review_reason", "updated_at"])
    logger.error("Order %s needs manual fulfilment: %s", order.order_number, reason)
    alert_staff(
        subject=f"Order {order.order_number} needs manual fulfilment",
        body=f"{reason}\n\nThe customer has paid. See Orders > needs review in Admin.",
    )


STUCK_AFTER = timedelta(minutes=3)


def orders_awaiting_provider(*, now: datetime) -> list[Any]:
    """Paid orders handed to fulfilment minutes ago with an item still not ordered (a lost
    queue message, or retries used up): the safety net queues them again."""
    return list(
        Order.objects.filter(
            status__in=(OrderStatus.PAID, OrderStatus.PROCESSING),
            needs_review=False,
            fulfilment_requested_at__lt=now - STUCK_AFTER,
            items__esim_order_no="",
        )
        .distinct()
        .order_by("fulfilment_requested_at")
        .values_list("pk", flat=True)[:200]
    )


PROFILES_EXPECTED_AFTER_SECONDS = 45  # the provider allocates in about 30 s


def _collect_soon(item_id: Any) -> None:
    """If ORDER_STATUS is lost, the profiles are fetched anyway within about a minute."""
    from orders.tasks import collect_item_profiles

    try:
        collect_item_profiles.apply_async(
            (str(item_id),), countdown=PROFILES_EXPECTED_AFTER_SECONDS
        )
    except Exception:  # the safety net collects it a few minutes later
        logger.exception("Could not schedule the profile check of item %s", item_id)
