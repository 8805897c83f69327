"""Customer emails about orders: rendered from templates/emails/ (text + HTML), sent by a
worker after the order is committed, each one logged (EmailLog) with its outcome."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string

from catalog.price_display import usd_text
from orders.models import EmailLog, Order

logger = logging.getLogger(__name__)

ORDER_CONFIRMATION = "order_confirmation"


def queue_order_confirmation(order: Order, access_token: str) -> EmailLog:
    """The confirmation of a new order (number, items, total, where to pay), sent by a worker
    once the order is committed. The guest's secret link travels only in the task's message."""
    from orders.tasks import send_order_confirmation

    log = EmailLog.objects.create(
        to_email=order.customer_email, template_name=ORDER_CONFIRMATION, order=order
    )
    transaction.on_commit(lambda: send_order_confirmation.delay(str(log.pk), access_token))
    return log


def order_links(order: Order, access_token: str) -> dict[str, str]:
    return {
        "pay_url": order.paddle_checkout_url,
        "order_url": f"{settings.APP_URL}/orders/{order.pk}?token={access_token}",
    }


def send_order_confirmation(log_id: Any, access_token: str, now: datetime) -> bool:
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
        **order_links(order, access_token),
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
