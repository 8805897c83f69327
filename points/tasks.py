"""The points app's Celery tasks: thin, idempotent, retried with backoff."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from points import expiry


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
