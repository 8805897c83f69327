"""The refund job's Celery task: thin, the work is in refunds.job."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from refunds import job
from refunds.models import RefundRun


@shared_task(name="refunds.tasks.process_esim_refunds", acks_late=True)
def process_esim_refunds(trigger: str = RefundRun.Trigger.SCHEDULE) -> dict[str, Any]:
    """Daily at 00:00 UTC (or from Admin). Safe to run twice at once: runs never share an
    eSIM, and a run that dies leaves nothing a later run cannot finish."""
    run = job.process_esim_refunds(now=timezone.now(), trigger=trigger)
    return {
        "processed": run.processed,
        "refunded": run.refunded,
        "not_refundable": run.not_refundable,
        "failed": run.failed,
        "recovered_cents": run.recovered_cents,
    }
