"""The refund job's Celery task: thin, the work is in refunds.job."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.utils import timezone

from refunds import job
from refunds.models import RefundRun

# A run works at most this long, then hands what is left to a new run (at the provider's 8
# calls a second, about 10,000 eSIMs): always inside the task's own time limits, which stay
# well under the broker's redelivery timeout (2 h).
RUN_BUDGET_SECONDS = 50 * 60


@shared_task(
    name="refunds.tasks.process_esim_refunds",
    acks_late=True,
    soft_time_limit=RUN_BUDGET_SECONDS + 5 * 60,
    time_limit=RUN_BUDGET_SECONDS + 10 * 60,
)
def process_esim_refunds(trigger: str = RefundRun.Trigger.SCHEDULE) -> dict[str, Any]:
    """Daily at 00:00 UTC (or from Admin). Safe to run twice at once: runs never share an
    eSIM, and a run that dies leaves nothing a later run cannot finish."""
    result = job.run_refund_job(
        now=timezone.now(), trigger=trigger, budget_seconds=RUN_BUDGET_SECONDS
    )
    if result.more_due:  # a backlog (the first deploy, an outage): the next run goes on
        process_esim_refunds.delay(trigger)
    run = result.run
    return {
        "processed": run.processed,
        "refunded": run.refunded,
        "not_refundable": run.not_refundable,
        "failed": run.failed,
        "recovered_cents": run.recovered_cents,
    }
