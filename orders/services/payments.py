"""Payments reported by Paddle's webhooks: every event is stored raw first (WebhookLog), then
processed in a worker, under the order's row lock, idempotently:

- `transaction.completed` / `transaction.paid`: the order is paid, the Paddle customer kept,
  its promo code use counted, and it is handed to fulfilment — each exactly once, however many
  times and in whatever order the events arrive;
- `transaction.payment_failed`: recorded; the order stays payable in the same checkout;
- `adjustment.created` / `adjustment.updated`: a refund's progress (services.payment_refunds).

A payment for an order we do not know, or of another amount or currency, is never fulfilled:
the order (when there is one) is flagged for review.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.dateparse import parse_datetime

from hiroam.observability import metrics
from orders.models import Order, OrderStatus, PaymentStatus, WebhookLog
from orders.services import reservations
from orders.services.experiment_results import count_conversion
from orders.services.payment_refunds import ADJUSTMENT_EVENTS, record_adjustment
from orders.states import ORDER, PAYMENT, advance

logger = logging.getLogger(__name__)

PAID_EVENTS = frozenset({"transaction.completed", "transaction.paid"})
FAILED_EVENTS = frozenset({"transaction.payment_failed"})


def store_webhook(
    *,
    source: str,
    payload: dict[str, Any],
    event_id: str,
    event_type: str,
    occurred_at: Any = None,
) -> tuple[WebhookLog, bool]:
    """The raw event, stored once per event id. (log, True) if it is new."""
    try:
        occurred = parse_datetime(str(occurred_at)) if occurred_at else None
    except ValueError:  # well formed but no such time ("2026-02-30"): kept in the payload only
        occurred = None
    if occurred is not None and occurred.tzinfo is None:  # providers send UTC offsets; else UTC
        occurred = occurred.replace(tzinfo=UTC)
    try:
        with transaction.atomic():
            return (
                WebhookLog.objects.create(
                    source=source,
                    event_id=event_id,
                    event_type=event_type[:100],
                    occurred_at=occurred,
                    payload=payload,
                ),
                True,
            )
    except IntegrityError:
        return WebhookLog.objects.get(source=source, event_id=event_id), False


def content_id(payload: Any) -> str:
    """An event id for events that carry none: a hash of their content."""
    encoded = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return "sha256:" + hashlib.sha256(encoded.encode()).hexdigest()[:56]


def process_paddle_event(log_id: Any, now: datetime) -> str:
    """Applies one stored Paddle event. Returns what happened (for the log and tests)."""
    with transaction.atomic():
        log = WebhookLog.objects.select_for_update().get(pk=log_id)
        if log.processed:
            return "already processed"
        data = log.payload.get("data") or {}
        order = _order_of(data, log.event_type)
        if log.event_type in PAID_EVENTS | FAILED_EVENTS | ADJUSTMENT_EVENTS and order is None:
            outcome = "no such order"
            log.error_message = "About an order we do not know: check it in Paddle."
            logger.error("Paddle %s for an unknown order: %s", log.event_type, data.get("id"))
        elif order is None:
            outcome = "ignored"
        else:
            log.order = order
            occurred = log.occurred_at or now
            if log.event_type in PAID_EVENTS:
                outcome = record_payment(order, data, occurred, now)
            elif log.event_type in FAILED_EVENTS:
                outcome = record_payment_failure(order, data, occurred)
            elif log.event_type in ADJUSTMENT_EVENTS:
                outcome = record_adjustment(order, data, now)
            else:
                outcome = "ignored"
        log.processed, log.processed_at = True, now
        log.save(update_fields=["processed", "processed_at", "error_message", "order"])
    return outcome


def _order_of(data: dict[str, Any], event_type: str) -> Order | None:
    orders = Order.objects.select_for_update()
    if event_type in ADJUSTMENT_EVENTS:  # about a transaction: its id is all it carries
        transaction_id = data.get("transaction_id")
        return (
            orders.filter(paddle_transaction_id=transaction_id).first() if transaction_id else None
        )
    order_id = (data.get("custom_data") or {}).get("order_id")
    if order_id:
        try:
            found = orders.filter(pk=uuid.UUID(str(order_id))).first()
        except ValueError:  # not one of our order ids: a transaction made elsewhere
            found = None
        if found is not None:
            return found
    transaction_id = data.get("id")
    return orders.filter(paddle_transaction_id=transaction_id).first() if transaction_id else None


def _amount_problem(order: Order, data: dict[str, Any]) -> str:
    totals = (data.get("details") or {}).get("totals") or {}
    currency = str(data.get("currency_code") or totals.get("currency_code") or "")
    try:
        # Before tax: what our items cost, which is what we priced.
        paid = int(str(totals.get("subtotal"))) - int(str(totals.get("discount") or 0))
    except (TypeError, ValueError):
        return "Paddle's amount could not be read."
    if currency != order.currency_code or paid != order.total_cents:
        return f"Paddle charged {paid} {currency}; the order is {order.total_cents} USD."
    return ""


def record_payment(order: Order, data: dict[str, Any], occurred: datetime, now: datetime) -> str:
    """The order (locked by the caller) is paid. Exactly once: a repeat changes nothing."""
    transaction_id = str(data.get("id") or "")
    if order.payment_status in (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED):
        if transaction_id and transaction_id != order.paddle_transaction_id:
            # Another Paddle transaction paid an order already paid: the customer paid twice.
            _flag(order, f"Paid a second time by {transaction_id}: refund that payment.")
            order.save()
            return "flagged"
        return "already paid"
    problem = _amount_problem(order, data)
    advance(order, PAYMENT, PaymentStatus.COMPLETED)
    order.paddle_customer_id = str(data.get("customer_id") or order.paddle_customer_id)[:100]
    order.paid_at = occurred
    order.last_payment_event_at = max(filter(None, [order.last_payment_event_at, occurred]))
    if not problem and not ORDER.allows(order.status, OrderStatus.PAID):
        problem = f"Paid while the order was {order.status}."
    if problem:
        # Money arrived for an order we cannot fulfil as is: a human decides.
        _flag(order, problem)
        order.save()
        return "flagged"
    advance(order, ORDER, OrderStatus.PAID)
    count_conversion(order, now)
    held = reservations.convert(order, now)
    if held:
        _flag(order, held)
    else:
        order.fulfilment_requested_at = now  # the hand-off, once
        transaction.on_commit(lambda: _start_fulfilment(order.pk))
    order.save()
    return "paid"


def _start_fulfilment(order_id: Any) -> None:
    from orders.tasks import fulfil_order

    try:
        fulfil_order.delay(str(order_id))
    except Exception:  # the queue is down: the fulfilment safety net picks the order up
        logger.exception("Could not queue the fulfilment of %s", order_id)


def record_payment_failure(order: Order, data: dict[str, Any], occurred: datetime) -> str:
    """A declined attempt: recorded; the customer may pay again in the same checkout. An event
    older than the last one applied (webhooks arrive out of order) changes nothing."""
    if order.payment_status in (PaymentStatus.COMPLETED, PaymentStatus.REFUNDED) or (
        order.last_payment_event_at and occurred < order.last_payment_event_at
    ):
        return "stale"
    advance(order, PAYMENT, PaymentStatus.FAILED)
    payments = data.get("payments") or [{}]
    order.payment_failure_reason = str(payments[0].get("error_code") or "declined")[:255]
    order.last_payment_event_at = occurred
    order.save()
    transaction.on_commit(lambda: metrics.increment(metrics.PAYMENT_FAILURES))
    return "payment failed"


STUCK_AFTER = timedelta(minutes=2)
STUCK_BATCH = 500
GIVE_UP_AFTER_FAILURES = 30  # then it waits in Admin (Webhook logs) for a human


def stuck_webhooks(
    *,
    now: datetime,
    source: str = WebhookLog.Source.PADDLE,
    event_types: Iterable[str] | None = None,
) -> list[Any]:
    """Events of `source` (of `event_types`, if given) stored a while ago and not applied."""
    logs = WebhookLog.objects.all()
    if event_types is not None:
        logs = logs.filter(event_type__in=list(event_types))
    return list(
        logs.filter(
            source=source,
            processed=False,
            created_at__lt=now - STUCK_AFTER,
            retry_count__lt=GIVE_UP_AFTER_FAILURES,
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:STUCK_BATCH]
    )


def note_webhook_failure(log_id: Any, error: Exception) -> None:
    """A processing attempt failed (it will be retried): say why on the stored event."""
    WebhookLog.objects.filter(pk=log_id).update(
        error_message=f"{type(error).__name__}: {error}"[:2000],
        retry_count=F("retry_count") + 1,
    )


def _flag(order: Order, reason: str) -> None:
    order.needs_review = True
    order.review_reason = f"{order.review_reason} {reason}".strip()
    logger.error("Order %s needs review: %s", order.order_number, reason)
