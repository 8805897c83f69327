"""Customer emails about orders: rendered from templates/emails/ (text + HTML), sent by a
worker after the order is committed, each one logged (EmailLog) with its outcome."""

from __future__ import annotations

import io
import logging
from datetime import datetime, timedelta
from typing import Any

import segno
from anymail.message import attach_inline_image
from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string
from django.utils import dateformat

from catalog.price_display import usd_text
from hiroam.mail import templated_email
from orders.data_rights import ERASED_EMAIL
from orders.models import EmailLog, EsimProfile, Order, access_token_for

logger = logging.getLogger(__name__)

ORDER_CONFIRMATION = "order_confirmation"
ESIM_DELIVERY = "esim_delivery"
# The 90-day refund job's emails about one eSIM (plan 11.9, 13.3): queued by the refunds app.
EXPIRY_WARNING = "expiry_warning"
ESIM_REFUNDED = "esim_refunded"


def queue_email(order: Order, template_name: str) -> EmailLog:
    """An email about `order`, sent by a worker once the caller's transaction commits (one of
    each type per order: asking twice queues it once). If the queue cannot be reached, it
    stays logged as queued and the sweeper sends it: no customer flow fails on its email."""
    log, created = EmailLog.objects.get_or_create(
        order=order,
        template_name=template_name,
        defaults={"to_email": order.customer_email},
    )
    if created:
        transaction.on_commit(lambda: _queue(log))
    return log


def queue_profile_email(profile: EsimProfile, template_name: str) -> EmailLog | None:
    """An email about one eSIM (a usage alert, the expiry reminder), at most once each; none
    once the customer's data was erased (there is nobody left to write to)."""
    order = profile.order
    if order.customer_email == ERASED_EMAIL:
        return None
    log, created = EmailLog.objects.get_or_create(
        esim_profile=profile,
        template_name=template_name,
        defaults={"order": order, "to_email": order.customer_email},
    )
    if created:
        transaction.on_commit(lambda: _queue(log))
    return log


def queue_order_confirmation(order: Order) -> EmailLog:
    """Number, items, total, where to pay: when the checkout is created."""
    return queue_email(order, ORDER_CONFIRMATION)


def queue_esim_delivery(order: Order) -> EmailLog:
    """Every eSIM of the order, numbered, with its QR code: when the last one arrives."""
    return queue_email(order, ESIM_DELIVERY)


def requeue_email(log: EmailLog) -> None:
    """Sends a logged email again (a customer lost it)."""
    EmailLog.objects.filter(pk=log.pk).update(status=EmailLog.Status.QUEUED, error_message="")
    transaction.on_commit(lambda: _queue(log))


def _queue(log: EmailLog) -> None:
    from orders.tasks import send_email

    try:
        send_email.delay(str(log.pk))
    except Exception:
        logger.exception("Could not queue %s email %s; the sweeper will", log.template_name, log.pk)


STUCK_AFTER = timedelta(minutes=2)
CLAIM_EXPIRES = timedelta(minutes=10)  # a worker that took an email and died
GIVE_UP_AFTER_FAILURES = 20


def stuck_emails(*, now: datetime) -> list[Any]:
    """Emails that should have gone: queued a while ago (a lost queue message), failed (the
    provider was down; tried again until GIVE_UP_AFTER_FAILURES), or taken by a worker that
    died while sending."""
    return list(
        EmailLog.objects.filter(
            Q(status=EmailLog.Status.QUEUED, created_at__lt=now - STUCK_AFTER)
            | Q(
                status=EmailLog.Status.FAILED,
                claimed_at__lt=now - CLAIM_EXPIRES,
                retry_count__lt=GIVE_UP_AFTER_FAILURES,
            )
            | Q(status=EmailLog.Status.SENDING, claimed_at__lt=now - CLAIM_EXPIRES)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def _access_token(order: Order) -> str:
    return access_token_for(order.pk, order.access_token_hash)


def order_links(order: Order) -> dict[str, str]:
    return {
        "pay_url": order.paddle_checkout_url,
        "order_url": f"{settings.APP_URL}/orders/{order.pk}?token={_access_token(order)}",
    }


def _confirmation(order: Order) -> EmailMultiAlternatives:
    context = {
        "order": order,
        "items": list(order.items.all()),
        "total": usd_text(order.total_cents),
        "discount": usd_text(order.total_discount_cents) if order.total_discount_cents else "",
        **order_links(order),
    }
    return _message(f"Your HIROAM order {order.order_number}", "order_confirmation", context, order)


def _delivery(order: Order) -> EmailMultiAlternatives:
    profiles = order.profiles.select_related("order_item").order_by("order_item", "profile_index")
    numbered: list[dict[str, Any]] = [
        {"number": number, "profile": profile} for number, profile in enumerate(profiles, start=1)
    ]
    context: dict[str, Any] = {"order": order, "numbered": numbered, **order_links(order)}
    message = _message(
        f"Your eSIM{'s' if len(numbered) > 1 else ''} for order {order.order_number}",
        "esim_delivery",
        context,
        order,
        html=False,
    )
    # Each QR code travels inside the email (it works offline, at the gate).
    for entry in numbered:
        entry["qr_cid"] = _attach_qr_code(message, entry["profile"], f"esim-{entry['number']}")
    message.attach_alternative(render_to_string("emails/esim_delivery.html", context), "text/html")
    return message


def _attach_qr_code(message: EmailMultiAlternatives, profile: EsimProfile, name: str) -> str:
    """Attaches `profile`'s QR code as an inline image; returns its content id for the HTML."""
    image = io.BytesIO()
    segno.make(profile.manual_code, error="m").save(image, kind="png", scale=6, border=2)
    return str(
        attach_inline_image(message, image.getvalue(), filename=f"{name}.png", idstring=name)
    )


def _message(
    subject: str, template: str, context: dict[str, Any], order: Order, *, html: bool = True
) -> EmailMultiAlternatives:
    return templated_email(subject, template, context, [order.customer_email], html=html)


def _profile_context(log: EmailLog) -> dict[str, Any]:
    profile = log.esim_profile
    assert profile is not None  # noqa: S101 (profile emails are logged with their eSIM)
    return {
        "order": log.order,
        "profile": profile,
        "package_name": profile.order_item.package_name,
        "used": _size(profile.data_used_bytes),
        "total": _size(profile.data_total_bytes or 0),
        **order_links(profile.order),
    }


def _size(size_bytes: int) -> str:
    return (
        f"{size_bytes / 1024**3:.1f} GB" if size_bytes >= 1024**3 else f"{size_bytes // 1024**2} MB"
    )


def _usage_alert(log: EmailLog) -> EmailMultiAlternatives:
    context = _profile_context(log)
    subject = f"You have used {context['profile'].usage_percentage}% of your eSIM data"
    return _message(subject, "usage_alert", context, context["order"])


def _expiry_reminder(log: EmailLog) -> EmailMultiAlternatives:
    context = _profile_context(log)
    return _message("Your eSIM expires soon", "expiry_reminder", context, context["order"])


def _expiry_warning(log: EmailLog) -> EmailMultiAlternatives:
    """Install it or lose it: the eSIM is cancelled at its refund date if still not installed;
    the codes and the QR code again, to install it now."""
    context = _profile_context(log)
    profile = context["profile"]
    cancel_on = dateformat.format(profile.refund_eligible_at, "j F Y")  # UTC, as in the body
    subject = f"Install your eSIM by {cancel_on} or it will be cancelled"
    message = _message(subject, EXPIRY_WARNING, context, context["order"], html=False)
    context["qr_cid"] = _attach_qr_code(message, profile, "esim")
    message.attach_alternative(
        render_to_string(f"emails/{EXPIRY_WARNING}.html", context), "text/html"
    )
    return message


def _esim_refunded(log: EmailLog) -> EmailMultiAlternatives:
    """Which eSIM was cancelled, why, and that it cannot be installed any more."""
    context = _profile_context(log)
    profile = context["profile"]
    # Refunded by hand before its 90 days (support's decision): the letter says so.
    context["cancelled_early"] = bool(
        profile.refunded_at
        and profile.refund_eligible_at
        and profile.refunded_at < profile.refund_eligible_at
    )
    subject = f"Your unused eSIM from order {context['order'].order_number} has been cancelled"
    return _message(subject, ESIM_REFUNDED, context, context["order"])


def _builder(template_name: str) -> Any:
    if template_name.startswith("usage_alert_"):
        return _usage_alert
    return {
        ORDER_CONFIRMATION: lambda log: _confirmation(log.order),
        ESIM_DELIVERY: lambda log: _delivery(log.order),
        "expiry_reminder": _expiry_reminder,
        EXPIRY_WARNING: _expiry_warning,
        ESIM_REFUNDED: _esim_refunded,
    }[template_name]


def send_logged_email(log_id: Any, now: datetime) -> bool:
    """Sends the email logged as `log_id`; False if it was sent already. A failure is recorded
    on the log and raised, for the task to retry."""
    # Taken by this worker alone: two tasks for one email (a sweep, a resend) never both send.
    claimable = Q(status__in=(EmailLog.Status.QUEUED, EmailLog.Status.FAILED)) | Q(
        status=EmailLog.Status.SENDING, claimed_at__lt=now - CLAIM_EXPIRES
    )
    claimed = EmailLog.objects.filter(claimable, pk=log_id).update(
        status=EmailLog.Status.SENDING, claimed_at=now
    )
    log = EmailLog.objects.select_related("order", "esim_profile__order_item").get(pk=log_id)
    if not claimed or log.order is None:
        return False
    message = _builder(log.template_name)(log)
    message.to = [log.to_email]
    try:
        message.send()
    except Exception as error:
        EmailLog.objects.filter(pk=log.pk).update(
            status=EmailLog.Status.FAILED,
            error_message=f"{type(error).__name__}: {error}"[:2000],
            retry_count=F("retry_count") + 1,
        )
        raise
    status = getattr(message, "anymail_status", None)
    EmailLog.objects.filter(pk=log.pk).update(
        status=EmailLog.Status.SENT,
        sent_at=now,
        provider_message_id=str(getattr(status, "message_id", "") or "")[:100],
        error_message="",
    )
    return True


def alert_staff(*, subject: str, body: str) -> None:
    """Tells the people who can act (superusers and Order managers) that something needs a
    human. Best effort: a failure to alert is logged, never raised into the caller's work."""
    from accounts.models import User
    from accounts.roles import MANAGE_ORDERS

    recipients = sorted(
        set(
            User.objects.filter(is_active=True, is_staff=True)
            .filter(Q(is_superuser=True) | Q(groups__name=MANAGE_ORDERS.name))
            .values_list("email", flat=True)
        )
    )
    if not recipients:
        logger.error("No staff to alert about: %s", subject)
        return
    try:
        send_mail(
            subject=f"[HIROAM] {subject}", message=body, from_email=None, recipient_list=recipients
        )
    except Exception:
        logger.exception("Could not alert the staff: %s", subject)
