"""Ordering a paid order's eSIMs from eSIM Access (the sandbox, over real HTTP): once per item
whatever happens, retried when the provider is struggling, handed to a human when it refuses."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from accounts.roles import MANAGE_ORDERS, ROLES
from accounts.services import apply_roles
from hiroam.integrations.errors import ProviderTimeout
from hiroam.integrations.esim_access import esim_access_client
from hiroam.integrations.esim_access.errors import SystemBusy
from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import EsimOrder
from orders.models import EsimStatus, Order, OrderItem, OrderStatus, WebhookLog
from orders.services.fulfilment import order_from_provider, orders_awaiting_provider
from tests.accounts.factories import staff_member
from tests.esim_sandbox import paid_order_of, use_sandbox_codes
from tests.orders.factories import paid_order

pytestmark = pytest.mark.django_db(transaction=True)


def test_each_item_is_ordered_once_and_the_order_moves_on(provider, sandbox_package_codes):
    order = paid_order_of(1, 3)
    use_sandbox_codes(order, sandbox_package_codes)

    assert order_from_provider(order.pk, timezone.now()) == "ordered"
    assert order_from_provider(order.pk, timezone.now()) == "ordered"  # run again: no new order

    order.refresh_from_db()
    assert (order.status, order.esim_status) == (OrderStatus.PROCESSING, EsimStatus.ORDERED)
    items = list(order.items.order_by("quantity"))
    assert all(item.esim_order_no and item.status == "ordered" for item in items)
    assert [item.profiles_ordered for item in items] == [1, 3]
    assert EsimOrder.objects.count() == 2  # one provider order per item, never more


def test_a_timeout_then_a_retry_buys_once(provider, sandbox_package_codes):
    order = paid_order_of(2)
    use_sandbox_codes(order, sandbox_package_codes)
    inject_fault(target="esim_access_api", kind="timeout", count=3)  # every attempt of a call

    with pytest.raises(ProviderTimeout):
        order_from_provider(order.pk, timezone.now())  # did the provider get it? unknown
    assert order_from_provider(order.pk, timezone.now()) == "ordered"  # the task's retry

    assert EsimOrder.objects.count() == 1
    assert OrderItem.objects.get().esim_order_no == EsimOrder.objects.get().order_no


def test_a_busy_provider_is_retried_later_and_the_order_kept(provider, sandbox_package_codes):
    order = paid_order_of(1)
    use_sandbox_codes(order, sandbox_package_codes)
    inject_fault(target="esim_access_api", kind="system_busy", count=10)

    with pytest.raises(SystemBusy):
        order_from_provider(order.pk, timezone.now())

    order.refresh_from_db()
    assert (order.status, order.needs_review) == (OrderStatus.PAID, False)
    later = timezone.now() + timedelta(minutes=5)
    assert orders_awaiting_provider(now=later) == [order.pk]  # the safety net sees it
    from hiroam.sandbox.models import Fault

    Fault.objects.all().delete()  # the provider recovers
    assert order_from_provider(order.pk, timezone.now()) == "ordered"
    assert EsimOrder.objects.count() == 1


def test_no_balance_hands_the_order_to_a_human_and_alerts_the_staff(
    provider, sandbox_package_codes
):
    apply_roles(ROLES)
    manager = staff_member(MANAGE_ORDERS.name, email="ops@hiroam.test")
    provider.balance_units = 0
    provider.save()
    order = paid_order_of(1)
    use_sandbox_codes(order, sandbox_package_codes)

    assert order_from_provider(order.pk, timezone.now()) == "flagged"

    order.refresh_from_db()
    assert order.needs_review and "eSIM Access refused" in order.review_reason
    assert order.status == OrderStatus.PAID
    [alert] = mail.outbox
    assert alert.to == [manager.email]
    assert order.order_number in alert.subject
    assert orders_awaiting_provider(now=timezone.now() + timedelta(hours=1)) == []
    assert order_from_provider(order.pk, timezone.now()) == "not ready"  # until a human acts
    assert Order.objects.get().needs_review


def _deliver_provider_webhooks(*, again=False):
    from hiroam.sandbox.models import Webhook
    from hiroam.sandbox.tasks import send_webhook

    rows = Webhook.objects.filter(provider="esim_access", delivered_at__isnull=not again)
    for webhook in rows.order_by("id"):
        send_webhook(webhook)


def _process_provider_events():
    from orders.services.provider_events import process_esim_event

    return [
        process_esim_event(log.pk, timezone.now())
        for log in WebhookLog.objects.filter(source="esim_access", processed=False).order_by(
            "created_at"
        )
    ]


def test_order_status_brings_every_profile_once_and_completes_the_order(
    provider, sandbox_package_codes, live_server, settings
):
    from orders.models import EsimProfile

    settings.SANDBOX_ESIM_WEBHOOK_URL = f"{live_server.url}/webhooks/esim-access"
    order = paid_order_of(3)
    use_sandbox_codes(order, sandbox_package_codes)
    order_from_provider(order.pk, timezone.now())
    from hiroam.sandbox.tasks import allocate_order

    allocate_order(OrderItem.objects.get().esim_order_no)  # the provider allocates
    _deliver_provider_webhooks()
    _deliver_provider_webhooks(again=True)  # every event delivered a second time
    assert WebhookLog.objects.filter(event_type="ORDER_STATUS").count() == 1

    assert "completed" in _process_provider_events()
    order.refresh_from_db()
    assert (order.status, order.esim_status) == (OrderStatus.COMPLETED, EsimStatus.DELIVERED)
    profiles = list(EsimProfile.objects.order_by("profile_index"))
    assert [p.profile_index for p in profiles] == [1, 2, 3]
    assert all(p.iccid and p.activation_code and p.sm_dp_address for p in profiles)
    assert profiles[0].manual_code.startswith("LPA:1$")
    first = profiles[0]
    assert first.refund_eligible_at and first.resource_ready_at
    assert first.refund_eligible_at - first.resource_ready_at == timedelta(days=90)
    assert OrderItem.objects.get().profiles_delivered == 3
    # The delivery email: every eSIM numbered, each QR code inside the email.
    from orders.emails import send_logged_email
    from orders.models import EmailLog

    [delivery] = EmailLog.objects.filter(template_name="esim_delivery")
    assert send_logged_email(delivery.pk, timezone.now()) is True
    [message] = [m for m in mail.outbox if "Your eSIMs" in m.subject]
    assert "eSIM 3 of 3" in message.body
    assert profiles[2].activation_code in message.body
    html = message.alternatives[0][0]  # type: ignore[attr-defined]
    assert html.count('src="cid:') == 3
    images = [part for part in message.attachments if getattr(part, "get_content_type", None)]
    assert len(images) == 3
    # Asking the provider again (the safety net, a human) adds nothing either.
    from orders.services.provider_events import collect_profiles

    collect_profiles(OrderItem.objects.get().pk, timezone.now())
    assert EsimProfile.objects.count() == 3
    assert EmailLog.objects.filter(template_name="esim_delivery").count() == 1


def test_an_event_from_an_unknown_address_is_refused_and_not_stored(client, settings):

    settings.ESIM_WEBHOOK_ALLOWED_IPS = ["3.1.131.226"]

    response = client.post(
        "/webhooks/esim-access",
        {"notifyType": "ORDER_STATUS", "content": {"orderNo": "B1"}},
        content_type="application/json",
        REMOTE_ADDR="203.0.113.7",
    )

    assert response.status_code == 403
    assert not WebhookLog.objects.exists()


def test_the_providers_health_check_is_answered(client, settings):
    settings.ESIM_WEBHOOK_ALLOWED_IPS = ["127.0.0.1"]

    response = client.post(
        "/webhooks/esim-access",
        {"notifyType": "CHECK_HEALTH", "content": {"orderNo": "1234567890", "orderStatus": "Test"}},
        content_type="application/json",
    )

    assert response.status_code == 200


def test_a_lost_order_status_is_made_up_for_by_the_safety_net(
    provider, sandbox_package_codes, live_server, settings
):
    from hiroam.sandbox.models import Webhook
    from hiroam.sandbox.tasks import allocate_order
    from orders.models import EmailLog, EsimProfile
    from orders.services.provider_events import collect_late_profiles

    settings.SANDBOX_ESIM_WEBHOOK_URL = f"{live_server.url}/webhooks/esim-access"
    inject_fault(target="esim_access_webhooks", kind="drop", count=5)
    order = paid_order_of(2)
    use_sandbox_codes(order, sandbox_package_codes)
    order_from_provider(order.pk, timezone.now())
    allocate_order(OrderItem.objects.get().esim_order_no)
    assert not Webhook.objects.filter(provider="esim_access", dropped=False).exists()

    early = collect_late_profiles(now=timezone.now())
    assert early == {"collected": 0, "not ready": 0, "failed": 0}
    outcome = collect_late_profiles(now=timezone.now() + timedelta(minutes=5))

    assert outcome == {"collected": 1, "not ready": 0, "failed": 0}
    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED
    assert EsimProfile.objects.count() == 2
    assert EmailLog.objects.filter(template_name="esim_delivery").count() == 1


def test_asking_the_provider_by_hand_delivers_a_stuck_order(provider, sandbox_package_codes):
    from hiroam.sandbox.tasks import allocate_order
    from orders.services.review import requery_provider

    order = paid_order_of(1)
    use_sandbox_codes(order, sandbox_package_codes)
    order_from_provider(order.pk, timezone.now())
    allocate_order(OrderItem.objects.get().esim_order_no)  # its webhook never delivered

    from orders.tasks import collect_item_profiles

    requery_provider(order.pk, reason="customer waiting")  # queued, not run in the request
    order.refresh_from_db()
    assert order.status == OrderStatus.PROCESSING
    collect_item_profiles(str(OrderItem.objects.get().pk))  # what the worker then runs

    order.refresh_from_db()
    assert order.status == OrderStatus.COMPLETED


def test_a_worker_killed_after_the_provider_call_never_buys_twice(provider, sandbox_package_codes):
    """The worst moment to die: the provider has the order, our database does not know. The
    task runs again (redelivered, or queued by the safety net) with the same transactionId."""
    from hiroam.integrations.esim_access.results import OrderLine
    from orders.services.fulfilment import provider_transaction_id

    order = paid_order_of(2)
    use_sandbox_codes(order, sandbox_package_codes)
    item = OrderItem.objects.select_related("package").get()
    esim_access_client().order_profiles(  # what the dying worker had sent
        transaction_id=provider_transaction_id(item, order.order_number),
        lines=[OrderLine(item.package_code, 2, item.package.provider_price_units)],
        amount_units=item.package.provider_price_units * 2,
    )
    assert orders_awaiting_provider(now=timezone.now() + timedelta(minutes=5)) == [order.pk]

    assert order_from_provider(order.pk, timezone.now()) == "ordered"

    assert EsimOrder.objects.count() == 1
    assert OrderItem.objects.get().esim_order_no == EsimOrder.objects.get().order_no


def test_the_daily_reconciliation_lists_drift_and_heals_what_it_can(
    provider, sandbox_package_codes
):
    from hiroam.sandbox.tasks import allocate_order
    from orders.models import EsimProfile, FulfilmentDrift
    from orders.services.reconciliation import reconcile

    stuck = paid_order(paid_at=timezone.now() - timedelta(hours=3), order_number="ORD-STUCK")
    order = paid_order_of(2)
    use_sandbox_codes(order, sandbox_package_codes)
    order_from_provider(order.pk, timezone.now())
    allocate_order(OrderItem.objects.get().esim_order_no)  # no webhook ever reached us

    found = reconcile(now=timezone.now())
    again = reconcile(now=timezone.now())

    assert found["paid_not_delivered"] == 1 and found["unknown_to_us"] == 1
    assert again["paid_not_delivered"] == 0  # still open: not listed twice
    assert EsimProfile.objects.filter(order=order).count() == 2  # healed
    kinds = set(FulfilmentDrift.objects.values_list("kind", "order__order_number"))
    assert ("paid_not_delivered", stuck.order_number) in kinds


def test_the_sandbox_lifecycle_updates_the_esim_and_emails_once_each(
    provider, sandbox_package_codes, live_server, settings
):
    from hiroam.sandbox.lifecycle import advance_profile
    from hiroam.sandbox.tasks import allocate_order
    from orders.models import EmailLog, EsimProfile, RefundStatus

    settings.SANDBOX_ESIM_WEBHOOK_URL = f"{live_server.url}/webhooks/esim-access"
    order = paid_order_of(1)
    use_sandbox_codes(order, sandbox_package_codes)
    order_from_provider(order.pk, timezone.now())
    allocate_order(OrderItem.objects.get().esim_order_no)
    _deliver_provider_webhooks()
    _process_provider_events()
    esim = EsimProfile.objects.get()

    for step in ("download", "install", "enable", "use_50", "use_80", "use_90", "near_expiry"):
        advance_profile(esim.esim_tran_no, step, now=timezone.now())
        _deliver_provider_webhooks()
        _process_provider_events()  # as the worker would, as they arrive
    _deliver_provider_webhooks(again=True)  # every event a second time
    assert _process_provider_events() == []  # duplicates: stored once, applied once

    esim.refresh_from_db()
    assert (esim.smdp_status, esim.refund_status) == ("enabled", RefundStatus.NOT_REFUNDABLE)
    assert esim.installed_at is not None and esim.usage_percentage >= 90
    assert esim.expires_at is not None
    sent = sorted(
        EmailLog.objects.filter(esim_profile=esim).values_list("template_name", flat=True)
    )
    assert sent == ["expiry_reminder", "usage_alert_50", "usage_alert_80", "usage_alert_90"]


def test_an_item_still_allocating_does_not_hold_up_a_lost_webhook(
    provider, sandbox_package_codes, settings
):
    from hiroam.sandbox.tasks import allocate_order
    from orders.services.provider_events import collect_late_profiles

    settings.SANDBOX_ESIM_ALLOCATION_SECONDS = 3600  # the provider is slow today
    slow = paid_order_of(1)
    use_sandbox_codes(slow, sandbox_package_codes)
    order_from_provider(slow.pk, timezone.now())  # not allocated yet: "not ready"
    lost = paid_order_of(1)
    use_sandbox_codes(lost, sandbox_package_codes[1:])
    order_from_provider(lost.pk, timezone.now())
    placed = EsimOrder.objects.get(order_no=lost.items.get().esim_order_no)
    EsimOrder.objects.filter(pk=placed.pk).update(ready_at=timezone.now())
    allocate_order(placed.order_no)  # allocated; its webhook lost

    outcome = collect_late_profiles(now=timezone.now() + timedelta(minutes=5))

    assert outcome == {"collected": 1, "not ready": 1, "failed": 0}
    lost.refresh_from_db()
    assert lost.status == OrderStatus.COMPLETED


def test_an_order_left_paid_by_a_crash_still_completes(provider, sandbox_package_codes):
    from hiroam.sandbox.tasks import allocate_order
    from orders.services.provider_events import collect_late_profiles

    order = paid_order_of(1)
    use_sandbox_codes(order, sandbox_package_codes)
    order_from_provider(order.pk, timezone.now())
    Order.objects.filter(pk=order.pk).update(status="paid", esim_status="pending")  # lost step
    allocate_order(OrderItem.objects.get().esim_order_no)

    collect_late_profiles(now=timezone.now() + timedelta(minutes=5))

    order.refresh_from_db()
    assert (order.status, order.esim_status) == (OrderStatus.COMPLETED, EsimStatus.DELIVERED)


def test_ten_parallel_completions_credit_the_customers_points_once(provider, sandbox_package_codes):
    """Ten workers asking the provider for the same delivered item at once (a duplicate
    webhook, the safety net, a human): the order completes once, the customer earns once."""
    from concurrent.futures import ThreadPoolExecutor

    from django.db import connection

    from accounts.models import CustomerProfile
    from orders.services.provider_events import collect_profiles
    from points.models import PointsTransaction
    from tests.accounts.factories import UserFactory

    customer = UserFactory.create()
    order = paid_order_of(1)
    Order.objects.filter(pk=order.pk).update(user=customer, total_cents=300, subtotal_cents=300)
    use_sandbox_codes(order, sandbox_package_codes)
    order_from_provider(order.pk, timezone.now())
    from hiroam.sandbox.tasks import allocate_order

    item = OrderItem.objects.get()
    allocate_order(item.esim_order_no)

    def complete(_):
        try:
            return collect_profiles(item.pk, timezone.now())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        outcomes = list(pool.map(complete, range(10)))

    assert outcomes.count("completed") == 1, outcomes
    assert Order.objects.get().status == OrderStatus.COMPLETED
    earned = PointsTransaction.objects.filter(user=customer).values_list("reason", "points")
    assert sorted(earned) == [("first_purchase_bonus", 50), ("purchase", 30)]
    profile = CustomerProfile.objects.get(user=customer)
    assert (profile.points_balance, profile.total_orders, profile.total_spent_cents) == (80, 1, 300)
