"""Refunding a customer's payment through Paddle (plan 6.2, Paddle adjustments).

1. An order manager asks (Admin): a `PaymentRefund` is recorded under the order's lock — one
   in flight per order, so a double click never asks twice — and a worker is queued.
2. The worker claims it and, outside any transaction, asks Paddle for the transaction's refunds
   first (a request that timed out earlier may have reached it), then for a new one only if
   there is none (`POST /adjustments`; Paddle starts it `pending_approval`). If Paddle cannot be
   asked, the refund is `failed` and the order flagged.
3. Paddle's `adjustment.created` / `adjustment.updated` webhooks report the outcome. An approved
   full refund makes the order and its payment `refunded`, gives back what an unpaid order
   still held, reverses the order's points (taken back what it earned, returned what it spent)
   and updates the customer's stats — once, whatever the duplicates. A rejected or partial
   refund (made in Paddle's dashboard) flags the order for a human.

Cancelling the order's eSIMs at the provider is not part of it: unused eSIMs are recovered by
the 90-day refund job.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction

from accounts.models import User
from hiroam.api.errors import BusinessRuleError, ConflictError
from hiroam.integrations.errors import ProviderError
from hiroam.integrations.paddle import paddle_client
from hiroam.integrations.paddle.results import PaddleAdjustment
from orders.models import Order, OrderStatus, PaymentRefund, PaymentStatus
from orders.services import reservations
from orders.services.customer_stats import refresh_customer_stats
from orders.services.experiment_results import take_back_conversion
from orders.services.review import flag_for_review
from orders.states import ORDER, PAYMENT, advance
from points.services import reverse_order

logger = logging.getLogger(__name__)
Status = PaymentRefund.Status
STALE_REQUEST = timedelta(minutes=15)
LIVE_AT_PADDLE = frozenset({"pending_approval", "approved"})
ADJUSTMENT_EVENTS = frozenset({"adjustment.created", "adjustment.updated"})
# Paddle's outcome never goes backwards: a late `pending_approval` does not undo a decision.
RANK = {
    Status.REQUESTED: 0,
    Status.FAILED: 0,
    Status.PENDING_APPROVAL: 1,
    Status.APPROVED: 2,
    Status.REJECTED: 2,
}


def request_refund(order_id: Any, *, reason: str, by: User | None, now: datetime) -> Order:
    """Asks for the whole payment back (sent to Paddle by a worker once this commits)."""
    from orders.tasks import send_refund

    if not reason.strip():
        raise BusinessRuleError("Say why the order is refunded (the customer may ask).")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order_id)
        if order.payment_status != PaymentStatus.COMPLETED or not order.paddle_transaction_id:
            raise BusinessRuleError(f"{order.order_number} is not paid: nothing to refund.")
        # A request whose worker died (or was never queued) blocks no one for long.
        order.refunds.filter(status=Status.REQUESTED, requested_at__lt=now - STALE_REQUEST).update(
            status=Status.FAILED, error_message="No answer from Paddle recorded: asked again."
        )
        in_progress = ConflictError(f"{order.order_number} already has a refund in progress.")
        if order.refunds.filter(status__in=PaymentRefund.OPEN).exists():
            raise in_progress
        try:
            with transaction.atomic():
                refund = PaymentRefund.objects.create(
                    order=order, reason=reason.strip()[:255], requested_by=by, requested_at=now
                )
        except IntegrityError as error:
            raise in_progress from error
        transaction.on_commit(lambda: _queue(send_refund, refund.pk))
    return order


def _queue(task: Any, refund_id: int) -> None:
    try:
        task.delay(refund_id)
    except Exception:  # the queue is down: the request stays requested, and may be asked again
        logger.exception("Could not queue refund %s", refund_id)


def send_refund(refund_id: Any, *, now: datetime) -> str:
    """Asks Paddle for a requested refund, once: the worker that claims it sends it."""
    claimed = PaymentRefund.objects.filter(
        pk=refund_id, status=Status.REQUESTED, sent_at__isnull=True
    ).update(sent_at=now)
    if not claimed:
        return "already sent"
    refund = PaymentRefund.objects.select_related("order").get(pk=refund_id)
    try:
        adjustment = _refund_at_paddle(refund)
    except ProviderError as error:
        logger.warning("Paddle refused the refund of %s: %s", refund.order.order_number, error)
        with transaction.atomic():
            PaymentRefund.objects.filter(pk=refund.pk, status=Status.REQUESTED).update(
                status=Status.FAILED, error_message=str(error)[:2000]
            )
            flag_for_review(
                refund.order_id,
                reason=f"Paddle could not refund: {error}. Check Paddle, then retry.",
            )
        return "failed"
    with transaction.atomic():
        refund = PaymentRefund.objects.select_for_update().get(pk=refund.pk)
        if not refund.paddle_adjustment_id:  # the webhook may have told us first
            refund.paddle_adjustment_id = adjustment.id
        # Only Paddle's webhook applies a decision (under the order's lock, with its effects).
        _advance(refund, Status.PENDING_APPROVAL, adjustment.total_cents, now)
        refund.save()
    return refund.status


def _refund_at_paddle(refund: PaymentRefund) -> PaddleAdjustment:
    """Paddle's refund of the order's payment: one it already holds that we have not recorded
    (an earlier request that timed out did reach it, or one made in its dashboard), else a
    new one. So asking again never refunds twice."""
    paddle = paddle_client()
    transaction_id = refund.order.paddle_transaction_id or ""
    known = set(refund.order.refunds.values_list("paddle_adjustment_id", flat=True))
    for existing in paddle.refunds_of(transaction_id):
        if existing.id not in known and existing.status in LIVE_AT_PADDLE:
            return existing
    return paddle.create_refund(transaction_id=transaction_id, reason=refund.reason)


def record_adjustment(order: Order, data: dict[str, Any], now: datetime) -> str:
    """Applies Paddle's news about a refund of `order` (locked by the caller)."""
    if data.get("action") != "refund":
        return "ignored"
    adjustment_id = str(data.get("id") or "")
    refunds = PaymentRefund.objects.select_for_update().filter(order=order)
    # Ours, known by its id; or ours, before the worker stored the id; or made in Paddle.
    refund = (
        refunds.filter(paddle_adjustment_id=adjustment_id).first()
        or refunds.filter(paddle_adjustment_id="").order_by("-requested_at").first()
    )
    if refund is None:
        refund = PaymentRefund(
            order=order,
            status=Status.PENDING_APPROVAL,
            reason=str(data.get("reason") or "Refunded in Paddle")[:255],
        )
    refund.paddle_adjustment_id = adjustment_id
    refund.is_full = data.get("type", "full") == "full"
    amount = _cents((data.get("totals") or {}).get("total"))
    was = refund.status if refund.pk else None  # a new one is news whatever its status
    _advance(refund, str(data.get("status") or ""), amount, now)
    refund.save()
    if refund.status == was:
        return "no change"
    if refund.status == Status.REJECTED:
        _flag(order, f"Paddle rejected the refund ({adjustment_id}).")
        return "refund rejected"
    if refund.status == Status.APPROVED:
        return _refunded(order, refund, now)
    return "refund pending"


def _refunded(order: Order, refund: PaymentRefund, now: datetime) -> str:
    if not refund.is_full:
        _flag(
            order,
            f"Partly refunded in Paddle ({refund.amount_cents} cents): points and eSIMs "
            "unchanged; decide what else to do.",
        )
        return "partly refunded"
    advance(order, PAYMENT, PaymentStatus.REFUNDED)
    if order.status != OrderStatus.REFUNDED:
        advance(order, ORDER, OrderStatus.REFUNDED)
    reservations.release(order)  # a flagged, never-fulfilled order may still hold stock
    order.refunded_at = now
    order.save(
        update_fields=["status", "payment_status", "reservation", "refunded_at", "updated_at"]
    )
    take_back_conversion(order, now)
    if order.user_id is not None:
        reverse_order(user_id=order.user_id, order_id=order.pk, now=now)
        refresh_customer_stats(order.user_id)
    logger.info("Order %s refunded (%s)", order.order_number, refund.paddle_adjustment_id)
    return "refunded"


def _advance(refund: PaymentRefund, status: str, amount_cents: int, now: datetime) -> None:
    if status not in RANK or RANK[Status(status)] <= RANK[Status(refund.status)]:
        return
    refund.status = status
    refund.amount_cents = amount_cents or refund.amount_cents
    if status in (Status.APPROVED, Status.REJECTED):
        refund.decided_at = now


def _flag(order: Order, reason: str) -> None:
    flag_for_review(order.pk, reason=reason)
    order.refresh_from_db()


def _cents(value: Any) -> int:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return 0
