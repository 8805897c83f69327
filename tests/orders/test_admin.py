"""The order console: orders are read-only; cancelling and flagging go through the services
and the state machine, audited; a stuck webhook can be queued again."""

import pytest

from accounts.models import AdminAuditEntry
from accounts.roles import MANAGE_ORDERS, ROLES
from accounts.services import apply_roles
from orders import email_previews
from orders.models import Order, OrderStatus, Reservation, WebhookLog
from tests.accounts.factories import staff_member
from tests.orders.factories import OrderFactory, paid_order

pytestmark = pytest.mark.django_db
ORDERS = "/admin/orders/order/"


@pytest.fixture
def manager(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_ORDERS.name))
    return client


def _act(client, action, orders, **extra):
    return client.post(
        ORDERS,
        {"action": action, "_selected_action": [str(o.pk) for o in orders], **extra},
        follow=True,
    )


def test_orders_are_found_by_number_email_or_paddle_transaction(manager):
    order = OrderFactory.create(
        order_number="ORD-20261125-FINDME", paddle_transaction_id="txn_01findme"
    )
    OrderFactory.create(order_number="ORD-20261125-OTHER", customer_email="x@example.com")

    for term in ("FINDME", "txn_01findme"):
        page = manager.get(ORDERS, {"q": term}).content.decode()
        assert order.order_number in page and "ORD-20261125-OTHER" not in page


def test_an_order_page_is_read_only_with_its_breakdown(manager):
    order = OrderFactory.create(pricing_breakdown={"total_cents": 999})

    page = manager.get(f"{ORDERS}{order.pk}/change/")
    posted = manager.post(f"{ORDERS}{order.pk}/change/", {"total_cents": 1})

    assert page.status_code == 200
    assert "total_cents" in page.content.decode()
    assert posted.status_code == 403
    order.refresh_from_db()
    assert order.total_cents == 999


def test_an_order_page_shows_where_the_customer_came_from(manager):
    order = OrderFactory.create(
        utm_source="newsletter", utm_campaign="Bali-May", referrer_host="mail.example"
    )

    page = manager.get(f"{ORDERS}{order.pk}/change/").content.decode()

    assert "Where the customer came from" in page
    for value in ("newsletter", "Bali-May", "mail.example"):
        assert value in page
    assert 'name="utm_source"' not in page  # shown, not editable


def test_cancelling_an_unpaid_order_releases_it_and_is_audited(manager):
    order = OrderFactory.create()

    _act(manager, "cancel_unpaid", [order], reason="customer asked")

    order.refresh_from_db()
    assert (order.status, order.reservation) == (OrderStatus.CANCELLED, Reservation.RELEASED)
    assert "customer asked" in order.review_reason
    assert AdminAuditEntry.objects.get().action_name == "cancel_unpaid"


def test_a_paid_order_cannot_be_cancelled(manager):
    order = paid_order()

    response = _act(manager, "cancel_unpaid", [order])

    assert "refund it instead" in response.content.decode()
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not AdminAuditEntry.objects.exists()


def test_marking_for_review_keeps_the_reason(manager):
    order = OrderFactory.create()

    _act(manager, "mark_for_review", [order], reason="chargeback risk")

    order.refresh_from_db()
    assert order.needs_review and order.review_reason == "chargeback risk"


def test_a_stuck_webhook_can_be_queued_again(manager):
    WebhookLog.objects.create(
        source="paddle", event_type="transaction.completed", event_id="evt_1", payload={}
    )

    response = manager.post(
        "/admin/orders/webhooklog/",
        {"action": "reprocess", "_selected_action": [str(WebhookLog.objects.get().pk)]},
        follow=True,
    )

    assert "1 unprocessed event(s) queued again" in response.content.decode()
    assert Order.objects.count() == 0


def test_retrying_the_fulfilment_of_a_flagged_paid_order_queues_it_again(
    manager, settings, django_capture_on_commit_callbacks
):
    from django.utils import timezone
    from redis import Redis

    order = paid_order(fulfilment_requested_at=timezone.now(), needs_review=True)
    queue = Redis.from_url(settings.CELERY_BROKER_URL)
    before = queue.llen("celery")

    with django_capture_on_commit_callbacks(execute=True):
        _act(manager, "retry_fulfilment", [order], reason="balance topped up")

    order.refresh_from_db()
    assert not order.needs_review
    assert "Retried: balance topped up" in order.review_reason
    assert queue.llen("celery") == before + 1


def test_an_unpaid_order_cannot_be_fulfilled(manager):
    order = OrderFactory.create()

    response = _act(manager, "retry_fulfilment", [order])

    assert "is not paid" in response.content.decode()


def test_resending_a_delivery_email_queues_it_again(manager):
    from orders.models import EmailLog

    order = paid_order()
    log = EmailLog.objects.create(
        order=order, to_email=order.customer_email, template_name="esim_delivery", status="sent"
    )

    _act(manager, "resend_delivery", [order])

    log.refresh_from_db()
    assert log.status == "queued"


def test_profiles_are_listed_without_their_secrets(manager):
    page = manager.get("/admin/orders/esimprofile/")

    assert page.status_code == 200


@pytest.mark.parametrize("template", email_previews.TEMPLATES)
def test_staff_preview_every_email_with_sample_data(manager, template):
    page = manager.get(f"/admin/orders/emaillog/preview/{template}/")

    assert page.status_code == 200
    body = page.content.decode()
    assert "ORD-20261225-SAMPL" in body or "Japan 10GB 30 days" in body
    if template == "esim_delivery":
        assert body.count("data:image/png;base64,") == 2  # both QR codes shown
    if template == "expiry_warning":
        assert body.count("data:image/png;base64,") == 1  # the QR code again


def test_an_unknown_preview_is_not_found(manager):
    assert manager.get("/admin/orders/emaillog/preview/nope/").status_code == 404
