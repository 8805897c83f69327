"""Customer emails about orders: rendered from templates/emails/ (text + HTML), sent by a
worker after the order is committed, each one logged (EmailLog) with its outcome."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, send_mail
from django.db import transaction
from django.db.models import F, Q
from django.template.loader import render_to_string

from catalog.price_display import usd_text
from orders.models import EmailLog, Order, access_token_for

logger = logging.getLogger(__name__)

ORDER_CONFIRMATION = "order_confirmation"


def queue_order_confirmation(order: Order) -> EmailLog:
    """The confirmation of a new order (number, items, total, where to pay), sent by a worker.
    If the queue cannot be reached, the email stays logged as queued and the sweeper sends it:
    the customer's checkout never fails because of its email."""
    log = EmailLog.objects.create(
        to_email=order.customer_email, template_name=ORDER_CONFIRMATION, order=order
    )
    transaction.on_commit(lambda: _queue(log))
    return log


def _queue(log: EmailLog) -> None:
    from orders.tasks import send_order_confirmation

    try:
        send_order_confirmation.delay(str(log.pk))
    except Exception:
        logger.exception("Could not queue %s email %s; the sweeper will", log.template_name, log.pk)


STUCK_AFTER = timedelta(minutes=2)


def stuck_emails(*, now: datetime) -> list[Any]:
    """Emails logged as queued a while ago and never sent (their queue message was lost)."""
    return list(
        EmailLog.objects.filter(status=EmailLog.Status.QUEUED, created_at__lt=now - STUCK_AFTER)
        .order_by("created_at")
        .values_list("pk", flat=True)[:500]
    )


def order_links(order: Order) -> dict[str, str]:
    return {
        "pay_url": order.paddle_checkout_url,
        "order_url": f"{settings.APP_URL}/orders/{order.pk}?token={access_token_for(order.pk)}",
    }


def send_order_confirmation(log_id: Any, now: datetime) -> bool:
    """Sends the confirmation logged as `log_id`; False if it was sent already. A failure is
    recorded on the log and raised, for the task to retry."""
    log = EmailLog.objects.select_related("order").get(pk=log_id)
    if log.status == EmailLog.Status.SENT or log.order is None:
        return False
    order = log.order
    context = {
        "order": order,
        "items": list(order.items.all()),
        "total": usd_text(order.total_cents),
        "discount": usd_text(order.total_discount_cents) if order.total_discount_cents else "",
        **order_links(order),
    }
    message = EmailMultiAlternatives(
        subject=f"Your HIROAM order {order.order_number}",
        body=render_to_string("emails/order_confirmation.txt", context),
        to=[log.to_email],
    )
    message.attach_alternative(
        render_to_string("emails/order_confirmation.html", context), "text/html"
    )
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
