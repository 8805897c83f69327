"""Accounts' Celery tasks: thin, idempotent, retried with backoff."""

from celery import shared_task
from django.core.management import call_command
from django.utils import timezone

from accounts import email_verification, password_reset


@shared_task(name="accounts.tasks.flush_expired_tokens")
def flush_expired_tokens() -> None:
    """Removes expired refresh tokens and their blacklist entries (housekeeping)."""
    call_command("flushexpiredtokens")


@shared_task(
    name="accounts.tasks.send_verification_email",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=10,
    retry_backoff_max=900,
    max_retries=8,
)
def send_verification_email(user_id: str) -> bool:
    """Emails the customer a fresh verification link; nothing once they are verified."""
    return email_verification.send_verification_email(user_id=user_id, now=timezone.now())


@shared_task(
    name="accounts.tasks.send_password_reset_email",
    acks_late=True,
    autoretry_for=(Exception,),
    retry_backoff=10,
    retry_backoff_max=900,
    max_retries=5,
)
def send_password_reset_email(user_id: str) -> bool:
    return password_reset.send_password_reset_email(user_id=user_id)
