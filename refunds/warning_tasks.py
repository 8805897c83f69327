"""The refunds app's email task: the daily "install it or lose it" warnings (plan 11.9).
Kept apart from refunds/tasks.py (the job itself); registered with Celery by refunds.apps."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError
from django.utils import timezone

from refunds.warnings import queue_expiry_warnings as queue_warnings_due


@shared_task(
    name="refunds.warning_tasks.queue_expiry_warnings",
    acks_late=True,
    autoretry_for=(DatabaseError,),  # the database was unreachable: nothing was half done
    retry_backoff=60,
    retry_backoff_max=1800,
    max_retries=5,
)
def queue_expiry_warnings() -> int:
    """Daily: warns the customers of eSIMs cancelled within 7 days unless installed (once
    per eSIM; a second run queues nothing). Emails that did not go are resent by the email
    sweeper. Returns how many were queued."""
    return queue_warnings_due(now=timezone.now())
