"""The points app's Celery tasks: thin, idempotent, retried with backoff."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from points import expiry, expiry_notices


@shared_task(
    name="points.tasks.expire_points",
    acks_late=True,
    autoretry_for=(DatabaseError,),  # the database was unreachable before any customer
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=5,
)
def expire_points() -> int:
    """Daily: customers' points past their expiry are expired (a second run changes
    nothing). Returns the points expired."""
    return expiry.expire_due_points(now=timezone.now()).points


@shared_task(
    name="points.tasks.queue_expiry_notices",
    acks_late=True,
    autoretry_for=(DatabaseError,),
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=5,
)
def queue_expiry_notices() -> int:
    """Daily: notices of points expiring within 30 days are written and queued (once per
    customer and day), and notices that did not go are queued again."""
    now = timezone.now()
    return expiry_notices.queue_expiry_notices(now=now) + expiry_notices.requeue_unsent_notices(
        now=now
    )


@shared_task(
    name="points.tasks.send_expiry_notice",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=10,
    retry_backoff_max=1800,
    max_retries=8,
)
def send_expiry_notice(notice_id: Any) -> bool:
    return expiry_notices.send_expiry_notice(notice_id, now=timezone.now())
