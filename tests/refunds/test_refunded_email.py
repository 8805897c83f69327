"""The email after an unused eSIM was cancelled: which eSIM, why, that it is gone for good,
and where to get help."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail
from django.db import transaction

from orders.emails import queue_profile_email, send_logged_email
from orders.models import EmailLog
from tests.refunds.esims import unused_esim

pytestmark = pytest.mark.django_db
REFUNDED_AT = datetime(2027, 3, 12, 0, 4, tzinfo=UTC)


def test_the_refund_notification_names_the_esim_and_says_it_cannot_be_installed_any_more():
    profile = unused_esim(
        eligible_at=REFUNDED_AT - timedelta(hours=10),
        refund_status="refunded",
        esim_status="cancelled",
        refunded_at=REFUNDED_AT,
        refund_amount_cents=180,
    )
    with transaction.atomic():
        log = queue_profile_email(profile, "esim_refunded")
        again = queue_profile_email(profile, "esim_refunded")
    assert log is not None and again is not None and again.pk == log.pk  # one per eSIM

    assert send_logged_email(log.pk, REFUNDED_AT) is True

    [message] = mail.outbox
    order = profile.order
    assert message.to == [order.customer_email]
    assert message.subject == f"Your unused eSIM from order {order.order_number} has been cancelled"
    for text in (message.body, message.alternatives[0][0]):  # type: ignore[attr-defined]
        assert order.order_number in text
        assert "Japan 10GB 30 days" in text
        assert f"ICCID: {profile.iccid}" in text
        assert "Cancelled on: 12 March 2027" in text
        assert "never installed in the 90 days after it was delivered" in text
        assert "(on 11 December 2026)" in text  # when it was delivered
        assert "It can no longer be installed or used" in text
        assert "Reply to this email with your order number" in text
        assert profile.activation_code not in text  # nothing to install any more
    assert EmailLog.objects.get(pk=log.pk).status == "sent"


def test_an_esim_refunded_by_hand_before_its_90_days_is_not_said_to_have_waited_them():
    profile = unused_esim(
        eligible_at=REFUNDED_AT + timedelta(days=60),
        refund_status="refunded",
        esim_status="cancelled",
        refunded_at=REFUNDED_AT,
        refund_amount_cents=180,
    )
    with transaction.atomic():
        log = queue_profile_email(profile, "esim_refunded")
    assert log is not None

    send_logged_email(log.pk, REFUNDED_AT)

    [message] = mail.outbox
    assert "at our support team's request" in message.body
    assert "90 days" not in message.body
