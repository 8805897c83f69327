"""The "install it or lose it" warning: 7 days before the refund date, once per eSIM, only to
eSIMs nobody has installed; it names the date, and brings the codes and the QR code again."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core import mail

from orders.data_rights import ERASED_EMAIL
from orders.emails import send_logged_email
from orders.models import EmailLog
from refunds.warnings import queue_expiry_warnings
from tests.refunds.esims import order_item, unused_esim

pytestmark = pytest.mark.django_db
NOW = datetime(2027, 3, 5, 2, 0, tzinfo=UTC)


def _warned() -> set:
    return set(
        EmailLog.objects.filter(template_name="expiry_warning").values_list(
            "esim_profile_id", flat=True
        )
    )


def test_only_unused_esims_due_within_seven_days_are_warned_and_only_once():
    in_three_days = unused_esim(eligible_at=NOW + timedelta(days=3))
    just_inside = unused_esim(eligible_at=NOW + timedelta(days=7))
    # Not (yet) to be warned: later, already past (the job takes it), installed, in use,
    # already taken by the job, already not refundable, no email to write to any more.
    next_day = unused_esim(eligible_at=NOW + timedelta(days=7, seconds=1))
    unused_esim(eligible_at=NOW - timedelta(hours=1))
    unused_esim(eligible_at=NOW + timedelta(days=3), smdp_status="installed")
    unused_esim(eligible_at=NOW + timedelta(days=3), esim_status="in_use", smdp_status="enabled")
    unused_esim(eligible_at=NOW + timedelta(days=3), refund_status="eligible")
    unused_esim(eligible_at=NOW + timedelta(days=3), refund_status="not_refundable")
    erased = order_item(order=None)
    erased.order.customer_email = ERASED_EMAIL
    erased.order.save()
    unused_esim(eligible_at=NOW + timedelta(days=3), item=erased)

    assert queue_expiry_warnings(now=NOW) == 2
    assert _warned() == {in_three_days.pk, just_inside.pk}

    # A second run the same day warns nobody again; the next day's, only the one now due.
    assert queue_expiry_warnings(now=NOW) == 0
    assert queue_expiry_warnings(now=NOW + timedelta(days=1)) == 1
    assert _warned() == {in_three_days.pk, just_inside.pk, next_day.pk}
    assert EmailLog.objects.filter(template_name="expiry_warning").count() == 3


def test_each_esim_of_an_order_is_warned_to_its_customer():
    item = order_item(quantity=2)
    first = unused_esim(eligible_at=NOW + timedelta(days=5), item=item)
    second = unused_esim(eligible_at=NOW + timedelta(days=5), item=item)

    queue_expiry_warnings(now=NOW)

    logs = EmailLog.objects.filter(template_name="expiry_warning")
    assert {log.esim_profile_id for log in logs} == {first.pk, second.pk}
    assert {(log.order_id, log.to_email) for log in logs} == {
        (item.order_id, item.order.customer_email)
    }


def test_every_due_esim_is_warned_across_batches():
    due = {unused_esim(eligible_at=NOW + timedelta(days=4)).pk for _ in range(7)}

    assert queue_expiry_warnings(now=NOW, batch_size=3) == 7
    assert _warned() == due


def test_the_warning_says_when_it_is_cancelled_and_how_to_install_it():
    profile = unused_esim(eligible_at=datetime(2027, 3, 11, 14, 30, tzinfo=UTC))
    queue_expiry_warnings(now=NOW)
    log = EmailLog.objects.get(template_name="expiry_warning")

    assert send_logged_email(log.pk, NOW) is True

    [message] = mail.outbox
    assert message.to == [profile.order.customer_email]
    assert message.subject == "Install your eSIM by 11 March 2027 or it will be cancelled"
    body = message.body
    assert "Japan 10GB 30 days" in body and profile.order.order_number in body
    assert "If it is still not installed by 11 March 2027, 14:30 UTC, we will cancel it." in body
    assert "can no longer be installed or used" in body
    assert f"Activation code: {profile.activation_code}" in body
    assert "SM-DP+ address: smdp.example.com" in body
    assert "Settings > Mobile Service > Add eSIM" in body  # how to install
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    [qr_code] = message.attachments
    content_id = qr_code["Content-ID"].strip("<>")
    assert f'src="cid:{content_id}"' in html
    assert qr_code.get_content_type() == "image/png"
    assert "11 March 2027, 14:30 UTC" in html
    # Sent once: a retried task does not send it again.
    assert send_logged_email(log.pk, NOW) is False
