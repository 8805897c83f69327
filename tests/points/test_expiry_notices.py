"""The points expiry notice: one email per customer and expiry day, within 30 days of it, only
about points still unused, never to customers who turned emails off."""

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from django.core import mail
from redis import Redis

from accounts.models import CustomerProfile
from points import services
from points.expiry_notices import (
    queue_expiry_notices,
    requeue_unsent_notices,
    send_expiry_notice,
)
from points.models import PointsExpiryNotice
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 6, 1, 8, 40, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _a_year_to_expire(settings):
    settings.POINTS_EXPIRE_AFTER_DAYS = 365
    settings.APP_URL = "https://shop.hiroam.test"


def _earn(user, paid_cents, *, expires_in_days):
    earned_at = NOW + timedelta(days=expires_in_days - 365)
    services.earn_for_order(
        user_id=user.pk,
        order_id=uuid.uuid4(),
        paid_cents=paid_cents,
        first_purchase=False,
        now=earned_at,
    )


def _send_all(now=NOW):
    return [
        send_expiry_notice(pk, now=now)
        for pk in PointsExpiryNotice.objects.values_list("pk", flat=True)
    ]


def test_a_customer_is_told_once_how_many_points_expire_on_which_day_and_how_to_use_them():
    ana = UserFactory.create(email="ana@example.com", full_name="Ana")
    _earn(ana, 1_000, expires_in_days=20)
    _earn(ana, 500, expires_in_days=200)  # not within 30 days: not in this notice

    assert queue_expiry_notices(now=NOW) == 1
    assert _send_all() == [True]

    [message] = mail.outbox
    assert message.to == ["ana@example.com"]
    assert message.subject == "100 HIROAM points expire on 21 June 2026"
    assert "100 of your HIROAM points expire on 21 June 2026 (UTC)" in message.body
    assert "worth up to $1.00 off your next eSIM" in message.body
    assert "Every 100 points take $1 off, for up to 50% of an order" in message.body
    assert "https://shop.hiroam.test" in message.body
    assert "Your balance: 150 points." in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert "<strong>21 June 2026</strong>" in html
    notice = PointsExpiryNotice.objects.get()
    assert (notice.user, notice.expires_on, notice.points, notice.status) == (
        ana,
        date(2026, 6, 21),
        100,
        "sent",
    )

    # The next days' runs, and a retried task, send nothing more for that day.
    assert queue_expiry_notices(now=NOW + timedelta(days=1)) == 0
    assert queue_expiry_notices(now=NOW + timedelta(days=10)) == 0
    assert _send_all(NOW + timedelta(days=10)) == [False]
    assert len(mail.outbox) == 1


def test_points_expiring_the_same_day_make_one_notice_and_another_day_its_own():
    ben = UserFactory.create()
    _earn(ben, 1_000, expires_in_days=10)
    services.earn_for_order(  # the same day, hours later
        user_id=ben.pk,
        order_id=uuid.uuid4(),
        paid_cents=700,
        first_purchase=False,
        now=NOW + timedelta(days=10 - 365, hours=5),
    )
    _earn(ben, 300, expires_in_days=25)

    assert queue_expiry_notices(now=NOW) == 2

    notices = PointsExpiryNotice.objects.order_by("expires_on")
    assert [(notice.expires_on, notice.points) for notice in notices] == [
        (date(2026, 6, 11), 170),
        (date(2026, 6, 26), 30),
    ]


def test_a_day_enters_the_window_whole_and_points_further_off_wait():
    cai = UserFactory.create()
    _earn(cai, 1_000, expires_in_days=31)

    assert queue_expiry_notices(now=NOW) == 0
    assert queue_expiry_notices(now=NOW + timedelta(days=1)) == 1


def test_customers_who_turned_emails_off_are_not_written_to():
    dee = UserFactory.create()
    _earn(dee, 1_000, expires_in_days=5)
    CustomerProfile.objects.filter(user=dee).update(email_notifications=False)

    assert queue_expiry_notices(now=NOW) == 0
    assert not PointsExpiryNotice.objects.exists()


def test_points_already_spent_are_not_announced():
    eve = UserFactory.create()
    _earn(eve, 1_000, expires_in_days=5)
    _earn(eve, 2_000, expires_in_days=300)
    services.spend(user_id=eve.pk, points=100, order_id=uuid.uuid4(), now=NOW)  # the oldest

    assert queue_expiry_notices(now=NOW) == 0


def test_points_spent_after_the_notice_was_queued_are_not_announced_and_a_part_says_what_is_left():
    fay, gus = UserFactory.create(), UserFactory.create()
    _earn(fay, 1_000, expires_in_days=5)
    _earn(gus, 1_000, expires_in_days=5)
    queue_expiry_notices(now=NOW)
    services.spend(user_id=fay.pk, points=100, order_id=uuid.uuid4(), now=NOW)
    services.spend(user_id=gus.pk, points=40, order_id=uuid.uuid4(), now=NOW)

    sent = {
        notice.user: send_expiry_notice(notice.pk, now=NOW)
        for notice in PointsExpiryNotice.objects.all()
    }

    assert sent == {fay: False, gus: True}
    [message] = mail.outbox
    assert message.to == [gus.email]
    assert message.subject.startswith("60 HIROAM points expire")
    statuses = dict(PointsExpiryNotice.objects.values_list("user", "status"))
    assert statuses == {fay.pk: "skipped", gus.pk: "sent"}


def test_the_notice_is_queued_after_the_commit(django_capture_on_commit_callbacks, settings):
    hal = UserFactory.create()
    _earn(hal, 1_000, expires_in_days=5)
    queue = Redis.from_url(settings.CELERY_BROKER_URL)
    before = queue.llen("celery")

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        queue_expiry_notices(now=NOW)
    assert queue.llen("celery") == before  # nothing leaves before the commit

    for callback in callbacks:
        callback()
    assert queue.llen("celery") == before + 1


def test_a_failed_send_is_recorded_retried_and_sent_once(settings):
    ivy = UserFactory.create()
    _earn(ivy, 1_000, expires_in_days=5)
    queue_expiry_notices(now=NOW)
    notice = PointsExpiryNotice.objects.get()
    settings.EMAIL_BACKEND = "tests.points.test_expiry_notices.BrokenBackend"

    with pytest.raises(ConnectionError):
        send_expiry_notice(notice.pk, now=NOW)

    notice.refresh_from_db()
    assert (notice.status, notice.retry_count) == ("failed", 1)
    assert "SendGrid is down" in notice.error_message
    # Left failed, the daily run queues it again once the claim is old.
    assert requeue_unsent_notices(now=NOW + timedelta(minutes=1)) == 0
    assert requeue_unsent_notices(now=NOW + timedelta(hours=1)) == 1

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_expiry_notice(notice.pk, now=NOW + timedelta(hours=1)) is True
    assert send_expiry_notice(notice.pk, now=NOW + timedelta(hours=1)) is False
    assert len(mail.outbox) == 1


class BrokenBackend:
    def __init__(self, *args, **kwargs):
        pass

    def send_messages(self, messages):
        raise ConnectionError("SendGrid is down")
