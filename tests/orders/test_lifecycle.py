"""An eSIM's life from the provider's events: statuses only move forward whatever the order of
arrival, a download makes it not refundable, usage alerts and the expiry reminder go out once."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from orders.emails import send_logged_email
from orders.models import EmailLog, EsimProfile, OrderItem, RefundStatus
from orders.services import lifecycle
from tests.catalog.factories import PackageFactory
from tests.orders.factories import paid_order

pytestmark = pytest.mark.django_db
GB = 1024**3


@pytest.fixture
def profile():
    order = paid_order()
    package = PackageFactory.create()
    item = OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name="Japan 10GB 30 days",
        quantity=1,
        unit_price_cents=999,
        final_unit_price_cents=999,
        total_cents=999,
    )
    return EsimProfile.objects.create(
        order=order,
        order_item=item,
        profile_index=1,
        esim_tran_no="T1",
        iccid="8988000000000000001",
        esim_status="got_resource",
        smdp_status="released",
        data_total_bytes=10 * GB,
    )


def _event(**content):
    return {"esimTranNo": "T1", "iccid": "8988000000000000001", **content}


def test_a_late_download_event_never_undoes_an_enable(profile):
    now = timezone.now()
    lifecycle.apply_status(_event(esimStatus="IN_USE", smdpStatus="ENABLED"), now)
    lifecycle.apply_status(
        _event(esimStatus="GOT_RESOURCE", smdpStatus="DOWNLOAD"), now - timedelta(minutes=2)
    )

    profile.refresh_from_db()
    assert (profile.esim_status, profile.smdp_status) == ("in_use", "enabled")
    assert profile.downloaded_at == now - timedelta(minutes=2)  # when it happened
    assert profile.enabled_at == now
    assert profile.refund_status == RefundStatus.NOT_REFUNDABLE


def test_a_profile_nobody_installed_stays_refundable(profile):
    lifecycle.apply_status(_event(esimStatus="GOT_RESOURCE", smdpStatus="RELEASED"), timezone.now())

    profile.refresh_from_db()
    assert profile.refund_status == RefundStatus.NOT_ELIGIBLE


def test_used_up_then_expired_moves_on_and_never_back(profile):
    now = timezone.now()
    for status in ("USED_UP", "IN_USE", "USED_EXPIRED", "USED_UP"):
        lifecycle.apply_status(_event(esimStatus=status), now)

    profile.refresh_from_db()
    assert profile.esim_status == "expired"


def test_usage_alerts_go_out_once_per_threshold_crossed(profile):
    for used_gb in (5.5, 6, 6, 9.5, 9.7):
        lifecycle.apply_usage(
            _event(totalVolume=10 * GB, orderUsage=int(used_gb * GB)), timezone.now()
        )

    profile.refresh_from_db()
    assert (profile.usage_percentage, profile.data_used_bytes) == (96, int(9.7 * GB))  # floored
    alerts = EmailLog.objects.filter(esim_profile=profile).order_by("created_at")
    assert [log.template_name for log in alerts] == ["usage_alert_50", "usage_alert_90"]
    assert send_logged_email(alerts[1].pk, timezone.now()) is True
    [message] = mail.outbox
    assert message.subject == "You have used 96% of your eSIM data"
    assert "Japan 10GB 30 days" in message.body and "9.7 GB of 10.0 GB" in message.body


def test_usage_never_goes_down_when_an_old_report_arrives_late(profile):
    lifecycle.apply_usage(_event(totalVolume=10 * GB, orderUsage=6 * GB), timezone.now())
    lifecycle.apply_usage(_event(totalVolume=10 * GB, orderUsage=2 * GB), timezone.now())

    profile.refresh_from_db()
    assert profile.data_used_bytes == 6 * GB


def test_the_expiry_reminder_is_sent_once(profile):
    for _ in range(3):
        lifecycle.apply_validity(_event(remain=1, expiredTime="2026-12-31T10:00:00+00:00"))

    [log] = EmailLog.objects.filter(template_name="expiry_reminder")
    profile.refresh_from_db()
    assert profile.expires_at.isoformat() == "2026-12-31T10:00:00+00:00"
    assert send_logged_email(log.pk, timezone.now()) is True
    assert "expires on 31 December 2026" in mail.outbox[0].body


def test_an_event_about_a_profile_not_stored_yet_is_retried_later():
    with pytest.raises(lifecycle.ProfileNotRecordedYet):
        lifecycle.apply_status(_event(esimTranNo="T-UNKNOWN", iccid="0"), timezone.now())


def test_an_event_for_a_reused_iccid_never_lands_on_another_customers_esim(profile):
    # Same ICCID, recycled by the provider for someone else's new eSIM we have not stored yet.
    with pytest.raises(lifecycle.ProfileNotRecordedYet):
        lifecycle.apply_usage(
            {"esimTranNo": "T-NEW", "iccid": profile.iccid, "totalVolume": GB, "orderUsage": GB},
            timezone.now(),
        )

    profile.refresh_from_db()
    assert profile.data_used_bytes == 0
    assert not EmailLog.objects.exists()


def test_a_finished_esim_gets_no_expiry_reminder(profile):
    lifecycle.apply_status(_event(esimStatus="CANCEL"), timezone.now())

    lifecycle.apply_validity(_event(remain=1))

    assert not EmailLog.objects.exists()
