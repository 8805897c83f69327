"""Orders' Celery tasks: thin, idempotent, retried with backoff."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from celery import shared_task
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from hiroam.integrations.errors import ProviderError
from orders import emails
from orders.idempotency import forget_expired_keys
from orders.models import WebhookLog
from orders.services import payment_refunds, provider_events, reconciliation
from orders.services.expiry import expire_unpaid_orders
from orders.services.fulfilment import order_from_provider, orders_awaiting_provider
from orders.services.payments import note_webhook_failure, process_paddle_event, stuck_webhooks
from orders.services.provider_events import HANDLED, process_esim_event

FULFILLING = "orders:fulfilling:"
FULFILLING_SECONDS = 600


@shared_task(
    name="orders.tasks.process_paddle_webhook",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=12,
)
def process_paddle_webhook(log_id: str) -> str:
    """Applies one stored Paddle event (a repeat finds it processed and does nothing)."""
    return _apply_stored_event(log_id, process_paddle_event)


def _queue_each(task: Any, ids: Iterable[Any]) -> int:
    """The sweepers' last step: one task per id (each task is safe to run twice)."""
    count = 0
    for pk in ids:
        task.delay(str(pk))
        count += 1
    return count


def _apply_stored_event(log_id: str, apply: Callable[[str, datetime], str]) -> str:
    """Runs `apply` on a stored webhook; a failure is noted on the event before the retry."""
    try:
        return apply(log_id, timezone.now())
    except Exception as error:
        note_webhook_failure(log_id, error)
        raise


@shared_task(name="orders.tasks.expire_unpaid_orders", acks_late=True)
def expire_orders() -> int:
    """Every few minutes: pending orders past their payment window give back what they held."""
    return expire_unpaid_orders(now=timezone.now())


@shared_task(
    name="orders.tasks.send_email",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=10,
    retry_backoff_max=1800,
    max_retries=8,
)
def send_email(log_id: str) -> bool:
    return emails.send_logged_email(log_id, timezone.now())


@shared_task(name="orders.tasks.send_stuck_emails", acks_late=True)
def send_stuck_emails() -> int:
    """Every few minutes: emails logged as queued whose queue message was lost are queued
    again (a sent email is never sent twice)."""
    return _queue_each(send_email, emails.stuck_emails(now=timezone.now()))


@shared_task(name="orders.tasks.requeue_stuck_webhooks", acks_late=True)
def requeue_stuck_webhooks() -> int:
    """Every few minutes: Paddle events stored but not applied (a lost queue message, or
    retries used up) are queued again. Applying one twice changes nothing."""
    now = timezone.now()
    esim = stuck_webhooks(now=now, source=WebhookLog.Source.ESIM_ACCESS, event_types=HANDLED)
    return _queue_each(process_paddle_webhook, stuck_webhooks(now=now)) + _queue_each(
        process_esim_webhook, esim
    )


@shared_task(name="orders.tasks.forget_expired_idempotency_keys", acks_late=True)
def forget_expired_idempotency_keys() -> int:
    return forget_expired_keys(now=timezone.now())


@shared_task(
    name="orders.tasks.fulfil_order",
    acks_late=True,
    # A database connection dropped mid-task (failover, restart) is retried like a provider
    # blip; left to the safety net, the order would wait out FULFILLING_SECONDS first.
    autoretry_for=(ProviderError, OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=300,
    max_retries=6,  # ~20 minutes; after that the safety net queues it every few minutes
)
def fulfil_order(order_id: str) -> str:
    """Orders a paid order's eSIMs from the provider. Safe to run twice: each item is ordered
    with a transactionId of its own, and an ordered item is never ordered again."""
    cache.set(f"{FULFILLING}{order_id}", 1, timeout=FULFILLING_SECONDS)  # the sweeper waits
    return order_from_provider(order_id, timezone.now())


@shared_task(name="orders.tasks.requeue_unfulfilled_orders", acks_late=True)
def requeue_unfulfilled_orders() -> int:
    """Every few minutes: paid orders whose eSIMs were never ordered are queued again."""
    # An order a task worked on in the last minutes is left to that task's own retries, so
    # retry chains never pile up while the provider is down.
    return _queue_each(
        fulfil_order,
        [
            order_id
            for order_id in orders_awaiting_provider(now=timezone.now())
            if cache.get(f"{FULFILLING}{order_id}") is None
        ],
    )


@shared_task(
    name="orders.tasks.process_esim_webhook",
    acks_late=True,
    autoretry_for=(ProviderError,),
    retry_backoff=5,
    retry_backoff_max=600,
    max_retries=20,
)
def process_esim_webhook(log_id: str) -> str:
    """Applies one stored eSIM Access event; "profiles not ready" is retried later."""
    return _apply_stored_event(log_id, process_esim_event)


@shared_task(name="orders.tasks.collect_late_profiles", acks_late=True)
def collect_late_profiles() -> dict[str, int]:
    """Every few minutes: items whose profiles have not arrived are asked of the provider (a
    lost ORDER_STATUS webhook delays a delivery by minutes, never forever)."""
    return provider_events.collect_late_profiles(now=timezone.now())


@shared_task(name="orders.tasks.reconcile_with_provider", acks_late=True)
def reconcile_with_provider() -> dict[str, int]:
    """Daily: compares our eSIMs with eSIM Access's and lists the drift in Admin."""
    return reconciliation.reconcile(now=timezone.now())


@shared_task(
    name="orders.tasks.collect_item_profiles",
    acks_late=True,
    autoretry_for=(ProviderError,),
    retry_backoff=15,
    retry_backoff_max=120,
    max_retries=6,
)
def collect_item_profiles(item_id: str) -> str:
    """Asks the provider for one item's profiles: scheduled shortly after it is ordered (so a
    lost ORDER_STATUS costs under a minute), or by an order manager. A no-op once they are all
    stored; "still allocating" is retried for a few minutes, then the safety net takes over."""
    return provider_events.collect_profiles(item_id, timezone.now())


@shared_task(name="orders.tasks.send_refund", acks_late=True)
def send_refund(refund_id: int) -> str:
    """Asks Paddle for one requested refund. Never retried blindly: a second request could
    refund twice; a refund Paddle could not take is marked failed for a human."""
    return payment_refunds.send_refund(refund_id, now=timezone.now())
