"""Email verification: a signed link, sent on registering, proves the address is the customer's.

The link carries the user id, a keyed digest of the email it was sent to (never the address
itself: links end up in logs and browser histories) and when it was issued, all signed with
the server's secret under a salt of its own. It dies when the account's email changes and
after settings.EMAIL_VERIFICATION_LINK_DAYS. Verifying is what lets guest orders join the
account (accounts.signals.email_verified), so a link must never be forgeable or reusable for
another address.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.crypto import constant_time_compare, salted_hmac

from accounts.models import User
from accounts.signals import email_verified
from hiroam.api.errors import DomainError, ErrorCode
from hiroam.mail import templated_email

logger = logging.getLogger(__name__)

LINK_SALT = "hiroam.accounts.verify-email"
_ADDRESS_SALT = "hiroam.accounts.verify-email.address"


class VerificationLinkInvalidError(DomainError):
    code = ErrorCode.VERIFICATION_LINK_INVALID
    message = "This verification link is not valid. Ask for a new one from your account."


class VerificationLinkExpiredError(DomainError):
    code = ErrorCode.VERIFICATION_LINK_EXPIRED
    message = "This verification link has expired. Ask for a new one."


@dataclass(frozen=True)
class _Claim:
    user_id: str
    address_digest: str
    issued_at: datetime


def link_lifetime() -> timedelta:
    return timedelta(days=settings.EMAIL_VERIFICATION_LINK_DAYS)


def _address_digest(email: str) -> str:
    return salted_hmac(_ADDRESS_SALT, email, algorithm="sha256").hexdigest()[:32]


def verification_token(*, user: User, now: datetime) -> str:
    payload = {"u": str(user.pk), "e": _address_digest(user.email), "t": int(now.timestamp())}
    return signing.dumps(payload, salt=LINK_SALT)


def verification_link(*, user: User, now: datetime) -> str:
    token = verification_token(user=user, now=now)
    return f"{settings.APP_URL}/account/verify-email?{urlencode({'token': token})}"


def _read(token: str) -> _Claim:
    try:
        payload: Any = signing.loads(token, salt=LINK_SALT)
        return _Claim(
            user_id=str(payload["u"]),
            address_digest=str(payload["e"]),
            issued_at=datetime.fromtimestamp(int(payload["t"]), tz=UTC),
        )
    except (signing.BadSignature, KeyError, TypeError, ValueError, OverflowError) as error:
        raise VerificationLinkInvalidError() from error


def _account_for(claim: _Claim, *, lock: bool) -> User:
    """The active account the link was sent for, if its email is still the one it went to."""
    users = User.objects.select_for_update() if lock else User.objects.all()
    try:
        user = users.filter(pk=claim.user_id, is_active=True).first()
    except (ValueError, ValidationError) as error:  # a signed but malformed id
        raise VerificationLinkInvalidError() from error
    if user is None:
        raise VerificationLinkInvalidError()
    if not constant_time_compare(_address_digest(user.email), claim.address_digest):
        raise VerificationLinkInvalidError(
            "This link was sent to an earlier email address of the account. "
            "Ask for a new one from your account."
        )
    return user


def confirm_email(*, token: str, now: datetime) -> User:
    """Marks the account's email verified and tells the apps above (guest orders join the
    account then). Opening the link again, even once expired, just answers verified."""
    claim = _read(token)
    with transaction.atomic():
        user = _account_for(claim, lock=True)
        if user.email_verified_at is not None:
            return user
        if now - claim.issued_at > link_lifetime():
            raise VerificationLinkExpiredError()
        user.email_verified_at = now
        user.save(update_fields=["email_verified_at"])
        email_verified.send(sender=User, user=user, now=now)
    return user


def queue_verification_email(*, user: User) -> bool:
    """Sends a fresh link by a worker once the caller's transaction commits; False (nothing
    sent) when the email is verified already."""
    if user.email_verified_at is not None:
        return False
    user_id = str(user.pk)
    transaction.on_commit(lambda: _queue(user_id))
    return True


def queue_verification_email_again(*, token: str) -> User:
    """A new link for whoever holds an expired (but genuine) one: it goes to the same address
    the old one reached, so it tells them nothing new. Refused for a tampered link, or one for
    an address the account no longer has."""
    user = _account_for(_read(token), lock=False)
    if _outside_resend_pause(user):
        queue_verification_email(user=user)
    return user


RESEND_PAUSE_SECONDS = 300


def _outside_resend_pause(user: User) -> bool:
    """An old link can ask for a new one at most once every few minutes: the form on the
    "expired" page is public, and must not become a way to flood the customer's inbox."""
    try:
        return bool(cache.add(f"accounts:verification-resent:{user.pk}", 1, RESEND_PAUSE_SECONDS))
    except Exception:  # the cache is down: one more email is better than none
        logger.warning("Resend pause unknown (cache unreachable); sending", exc_info=True)
        return True


def _queue(user_id: str) -> None:
    from accounts.tasks import send_verification_email

    try:
        send_verification_email.delay(user_id)
    except Exception:  # the customer can ask again; registering must not fail on its email
        logger.exception("Could not queue the verification email of user %s", user_id)


def send_verification_email(*, user_id: Any, now: datetime) -> bool:
    """Sends the link (the worker's part). False when there is nothing to send any more: the
    account is gone or inactive, or verified meanwhile. A send failure is raised for a retry."""
    user = User.objects.filter(pk=user_id, is_active=True).first()
    if user is None or user.email_verified_at is not None:
        return False
    context = {
        "name": user.full_name,
        "link": verification_link(user=user, now=now),
        "days": settings.EMAIL_VERIFICATION_LINK_DAYS,
    }
    templated_email("Confirm your email for HIROAM", "verify_email", context, [user.email]).send()
    return True
