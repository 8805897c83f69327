"""Monitoring's Celery tasks."""

from celery import shared_task

from monitoring import provider_balance


@shared_task(name="monitoring.tasks.check_provider_balance", acks_late=True)
def check_provider_balance() -> int:
    """Reads our eSIM Access balance for /metrics (a failure leaves the last reading, whose
    age the alert watches)."""
    return provider_balance.check_balance().cents
