"""Pricing's Celery tasks: thin, idempotent."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from pricing.experiments.views import flush_views


@shared_task(name="pricing.tasks.flush_experiment_views", acks_late=True)
def flush_experiment_views() -> int:
    """Stores the experiment views buffered in Redis (a second run at once leaves at once)."""
    return flush_views(now=timezone.now())
