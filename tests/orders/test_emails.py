"""The order confirmation email: what it says, that it is logged, and that it is sent once."""

import pytest
from django.core import mail
from django.utils import timezone

from orders.emails import send_logged_email
from orders.models import EmailLog
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, cart, checkout_body

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_checkout_queues_a_confirmation_with_the_number_items_total_and_links(
    api_client, paddle_sandbox
):
    package = PackageFactory.create(price_usd_cents=1_299, name="Japan 5GB 30 days")
    data = api_client.post(
        CHECKOUT, checkout_body(cart(package, quantity=2), name="Ana"), format="json"
    ).json()["data"]
    log = EmailLog.objects.get()
    assert (log.template_name, log.to_email, log.status) == (
        "order_confirmation",
        "ana@example.com",
        "queued",
    )

    assert send_logged_email(log.pk, timezone.now()) is True

    [message] = mail.outbox
    assert message.subject == f"Your HIROAM order {data['order_number']}"
    assert "Japan 5GB 30 days x 2" in message.body
    assert "Total: $25.98" in message.body
    assert data["checkout_url"] in message.body
    assert f"/orders/{data['order_id']}?token={data['access_token']}" in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert "Thank you for your order, Ana" in html
    log.refresh_from_db()
    assert (log.status, log.sent_at is not None) == ("sent", True)
    # A retried task does not send it twice.
    assert send_logged_email(log.pk, timezone.now()) is False
    assert len(mail.outbox) == 1


def test_a_failed_send_is_logged_and_raised_for_a_retry(api_client, paddle_sandbox, settings):
    package = PackageFactory.create()
    api_client.post(CHECKOUT, checkout_body(cart(package)), format="json")
    settings.EMAIL_BACKEND = "tests.orders.test_emails.BrokenBackend"

    with pytest.raises(ConnectionError):
        send_logged_email(EmailLog.objects.get().pk, timezone.now())

    log = EmailLog.objects.get()
    assert (log.status, log.retry_count) == ("failed", 1)
    assert "ConnectionError" in log.error_message


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SendGrid is down")


def test_emails_whose_queue_message_was_lost_are_found_by_the_sweeper():
    from datetime import timedelta

    from orders.emails import stuck_emails

    old = EmailLog.objects.create(
        to_email="a@example.com",
        template_name="order_confirmation",
        created_at=timezone.now() - timedelta(minutes=10),
    )
    EmailLog.objects.create(to_email="b@example.com", template_name="order_confirmation")
    EmailLog.objects.create(
        to_email="c@example.com",
        template_name="order_confirmation",
        status="sent",
        created_at=timezone.now() - timedelta(minutes=10),
    )

    assert stuck_emails(now=timezone.now()) == [old.pk]


def test_an_email_taken_by_one_worker_is_not_sent_by_another(api_client, paddle_sandbox):
    package = PackageFactory.create()
    api_client.post(CHECKOUT, checkout_body(cart(package)), format="json")
    log = EmailLog.objects.get()
    EmailLog.objects.filter(pk=log.pk).update(status="sending", claimed_at=timezone.now())

    assert send_logged_email(log.pk, timezone.now()) is False  # a second task, a sweep...
    assert mail.outbox == []


def test_a_failed_email_is_tried_again_by_the_sweeper_until_it_gives_up():
    from datetime import timedelta

    from orders.emails import GIVE_UP_AFTER_FAILURES, stuck_emails

    long_ago = timezone.now() - timedelta(minutes=30)
    retry = EmailLog.objects.create(
        to_email="a@example.com",
        template_name="esim_delivery",
        status="failed",
        retry_count=3,
        claimed_at=long_ago,
    )
    EmailLog.objects.create(
        to_email="b@example.com",
        template_name="esim_delivery",
        status="failed",
        retry_count=GIVE_UP_AFTER_FAILURES,
        claimed_at=long_ago,
    )

    assert stuck_emails(now=timezone.now()) == [retry.pk]
