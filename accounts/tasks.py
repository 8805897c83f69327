from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.tasks.flush_expired_tokens")
def flush_expired_tokens() -> None:
    """Removes expired refresh tokens and their blacklist entries (housekeeping)."""
    call_command("flushexpiredtokens")
