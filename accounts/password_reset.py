"""Password reset by email: a link made with Django's password-reset tokens (it stops working
once the password changes or after PASSWORD_RESET_TIMEOUT), sent by a worker.

Asking never tells whether an account exists: the answer is the same for any address.
"""

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts.models import User, normalize_email_address
from hiroam.mail import templated_email

logger = logging.getLogger(__name__)


def password_reset_link(user: User) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    return f"{settings.APP_URL}/account/reset/{uid}/{token}"


def request_password_reset(*, email: str) -> None:
    """Queues the reset email when an active account has this address; nothing otherwise."""
    user = User.objects.filter(email__iexact=normalize_email_address(email), is_active=True).first()
    if user is None or not user.has_usable_password():
        return
    user_id = str(user.pk)
    transaction.on_commit(lambda: _queue(user_id))


def _queue(user_id: str) -> None:
    from accounts.tasks import send_password_reset_email

    try:
        send_password_reset_email.delay(user_id)
    except Exception:  # the customer can ask again
        logger.exception("Could not queue the password reset email of user %s", user_id)


def send_password_reset_email(*, user_id: Any) -> bool:
    """The worker's part; a send failure is raised for a retry."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return False
    hours = settings.PASSWORD_RESET_TIMEOUT // 3600
    context = {"name": user.full_name, "link": password_reset_link(user), "hours": hours}
    templated_email("Reset your HIROAM password", "password_reset", context, [user.email]).send()
    return True
