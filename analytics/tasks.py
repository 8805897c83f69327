"""The reporting layer's Celery tasks: thin, the work is in analytics.refresh."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from analytics import refresh


@shared_task(name="analytics.tasks.refresh_analytics", soft_time_limit=240, time_limit=300)
def refresh_analytics() -> dict[str, int]:
    """Every few minutes: recomputes what changed. Idempotent, and two runs wait for each
    other (an advisory lock), so a slow run and the next never fight."""
    outcome = refresh.refresh(now=timezone.now())
    return {"days": outcome.days, "customers": outcome.customers, "ms": outcome.duration_ms}


@shared_task(name="analytics.tasks.rebuild_analytics", soft_time_limit=1500, time_limit=1800)
def rebuild_analytics() -> dict[str, int]:
    """Nightly: recomputes everything, repairing what no change left a trace of (an account
    deleted, old unpaid checkouts removed by the retention policy)."""
    outcome = refresh.rebuild(now=timezone.now())
    return {"days": outcome.days, "customers": outcome.customers, "ms": outcome.duration_ms}
