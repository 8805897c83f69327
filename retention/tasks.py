"""The retention job's Celery task: thin, the work is in retention.job."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from retention import job
from retention.models import RetentionRun

# A run starts no batch after this long (a backlog: the first deploy, a long pause), always
# inside the task's own time limits; what is left waits for the next day's run.
RUN_BUDGET_SECONDS = 20 * 60


@shared_task(
    name="retention.tasks.apply_retention_policy",
    acks_late=True,
    soft_time_limit=RUN_BUDGET_SECONDS + 5 * 60,
    time_limit=RUN_BUDGET_SECONDS + 10 * 60,
)
def apply_retention_policy(
    trigger: str = RetentionRun.Trigger.SCHEDULE, dry_run: bool = False
) -> dict[str, int]:
    """Daily (or from Admin). Idempotent: what a run handled is no longer due, and two runs
    at once never take the same rows (SKIP LOCKED)."""
    run = job.apply_retention_policy(
        now=timezone.now(), trigger=trigger, dry_run=dry_run, budget_seconds=RUN_BUDGET_SECONDS
    )
    return dict(run.counts)
