"""POST /webhooks/paddle and the processing of its events: only Paddle's signed, fresh events
are accepted; each is stored once; payments apply exactly once whatever the order and number
of deliveries; a payment we cannot match is flagged, never fulfilled."""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from redis import Redis

from orders.models import Order, OrderStatus, PaymentStatus, Reservation, WebhookLog
from orders.services.payments import process_paddle_event
from pricing.models import DiscountCode, DiscountCodeUsage
from tests.orders.conftest import WEBHOOK, paddle_event, signed
from tests.orders.factories import OrderFactory
from tests.pricing.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


def _at(seconds):
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _order_with_code():
    code = DiscountCodeFactory.create(code="TEN", max_uses=10, reserved_uses=1)
    order = OrderFactory.create(
        discount_code=code,
        discount_code_used="TEN",
        subtotal_cents=1_099,
        code_discount_cents=100,
        total_discount_cents=100,
        total_cents=999,
        paddle_transaction_id="txn_01order",
    )
    DiscountCodeUsage.objects.create(
        discount=code,
        order_id=order.pk,
        guest_email=order.customer_email,
        status=DiscountCodeUsage.Status.RESERVED,
    )
    return order


def _post(client, payload, **signing):
    body, headers = signed(payload, **signing)
    return client.post(WEBHOOK, body, content_type="application/json", **headers)


def _process_all():
    return [
        process_paddle_event(log.pk, timezone.now())
        for log in WebhookLog.objects.filter(processed=False).order_by("created_at")
    ]


@pytest.mark.parametrize(
    "signing",
    [
        {"secret": "pdl_ntf_someone_else"},  # forged
        {"timestamp": time.time() - 600},  # replayed ten minutes later
    ],
)
def test_a_forged_or_replayed_webhook_is_refused_and_not_stored(client, signing):
    order = _order_with_code()
    payload = paddle_event("transaction.completed", order, event_id="evt_1", occurred_at=_at(0))

    response = _post(client, payload, **signing)

    assert response.status_code == 401
    assert not WebhookLog.objects.exists()


def test_a_webhook_without_a_signature_is_refused(client):
    response = client.post(WEBHOOK, b"{}", content_type="application/json")

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_a_payment_is_applied_once_however_often_it_is_delivered(client):
    order = _order_with_code()
    completed = paddle_event("transaction.completed", order, event_id="evt_c", occurred_at=_at(2))

    answers = [_post(client, completed).json() for _ in range(3)]

    assert [answer["data"]["duplicate"] for answer in answers] == [False, True, True]
    assert _process_all() == ["paid"]
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.reservation) == (
        OrderStatus.PAID,
        PaymentStatus.COMPLETED,
        Reservation.CONVERTED,
    )
    assert order.paddle_customer_id == "ctm_01test"
    assert order.fulfilment_requested_at is not None
    code = DiscountCode.objects.get()
    assert (code.current_uses, code.reserved_uses) == (1, 0)
    assert DiscountCodeUsage.objects.get().status == DiscountCodeUsage.Status.USED


def test_out_of_order_events_end_paid_with_one_use_and_one_hand_off(client):
    order = _order_with_code()
    events = [
        paddle_event("transaction.completed", order, event_id="evt_c", occurred_at=_at(3)),
        paddle_event("transaction.payment_failed", order, event_id="evt_f", occurred_at=_at(1)),
        paddle_event("transaction.paid", order, event_id="evt_p", occurred_at=_at(2)),
    ]
    for event in events:
        _post(client, event)

    outcomes = _process_all()

    assert outcomes == ["paid", "stale", "already paid"]
    order.refresh_from_db()
    handed_off_at = order.fulfilment_requested_at
    assert (order.status, order.payment_status) == (OrderStatus.PAID, PaymentStatus.COMPLETED)
    assert DiscountCode.objects.get().current_uses == 1
    first = WebhookLog.objects.earliest("created_at")
    assert process_paddle_event(first.pk, timezone.now()) == "already processed"
    order.refresh_from_db()
    assert order.fulfilment_requested_at == handed_off_at


def test_a_declined_card_keeps_the_order_payable(client):
    order = _order_with_code()
    _post(
        client,
        paddle_event("transaction.payment_failed", order, event_id="evt_f", occurred_at=_at(1)),
    )

    assert _process_all() == ["payment failed"]
    order.refresh_from_db()
    assert (order.status, order.payment_status, order.payment_failure_reason) == (
        OrderStatus.PENDING,
        PaymentStatus.FAILED,
        "declined",
    )
    assert order.reservation == Reservation.HELD

    _post(
        client, paddle_event("transaction.completed", order, event_id="evt_c", occurred_at=_at(5))
    )
    assert _process_all() == ["paid"]


def test_a_payment_of_another_amount_is_flagged_and_never_fulfilled(client):
    order = _order_with_code()
    _post(
        client,
        paddle_event(
            "transaction.completed", order, event_id="evt_c", occurred_at=_at(1), amount=1
        ),
    )

    assert _process_all() == ["flagged"]
    order.refresh_from_db()
    assert order.needs_review
    assert "Paddle charged 1 USD" in order.review_reason
    assert order.status == OrderStatus.PENDING
    assert order.fulfilment_requested_at is None
    assert DiscountCode.objects.get().current_uses == 0
    # The money is taken: the order no longer expires on its own.
    from orders.services.expiry import expire_unpaid_orders

    assert expire_unpaid_orders(now=timezone.now() + timedelta(days=1)) == 0


def test_a_payment_for_an_unknown_order_is_logged_with_its_error(client):
    order = _order_with_code()
    payload = paddle_event("transaction.completed", order, event_id="evt_x", occurred_at=_at(1))
    payload["data"]["custom_data"] = {"order_id": "5b3f0f2e-0000-4000-8000-000000000000"}
    payload["data"]["id"] = "txn_01someone_else"

    _post(client, payload)

    assert _process_all() == ["no such order"]
    log = WebhookLog.objects.get()
    assert log.processed and "do not know" in log.error_message
    order.refresh_from_db()
    assert order.status == OrderStatus.PENDING


def test_a_late_payment_for_an_expired_order_is_honoured(client):
    order = _order_with_code()
    from orders.services.expiry import expire_unpaid_orders

    expire_unpaid_orders(now=timezone.now() + timedelta(hours=2))
    _post(
        client, paddle_event("transaction.completed", order, event_id="evt_c", occurred_at=_at(1))
    )

    assert _process_all() == ["paid"]
    order.refresh_from_db()
    assert (order.status, order.needs_review) == (OrderStatus.PAID, False)
    assert DiscountCode.objects.get().current_uses == 1


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_out_of_order_deliveries_give_one_payment_one_use_one_hand_off(
    live_server,
):
    import requests

    order = _order_with_code()
    kinds = ["transaction.completed", "transaction.paid", "transaction.payment_failed"]
    events = [
        paddle_event(kinds[n % 3], order, event_id=f"evt_{n % 4}", occurred_at=_at(10 - n))
        for n in range(10)
    ]

    def deliver(event):
        body, headers = signed(event)
        return requests.post(
            f"{live_server.url}{WEBHOOK}",
            data=body,
            headers={
                "Content-Type": "application/json",
                "Paddle-Signature": headers["HTTP_PADDLE_SIGNATURE"],
            },
            timeout=10,
        ).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        assert set(pool.map(deliver, events)) == {200}
    logs = list(WebhookLog.objects.values_list("pk", flat=True))
    assert len(logs) == 4  # one per event id

    def process(log_id):
        try:
            return process_paddle_event(log_id, timezone.now())
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=4) as pool:
        outcomes = list(pool.map(process, logs))

    assert outcomes.count("paid") == 1
    order.refresh_from_db()
    assert (order.status, order.payment_status) == (OrderStatus.PAID, PaymentStatus.COMPLETED)
    code = DiscountCode.objects.get()
    assert (code.current_uses, code.reserved_uses) == (1, 0)
    assert DiscountCodeUsage.objects.filter(status="used").count() == 1
    assert Order.objects.filter(fulfilment_requested_at__isnull=False).count() == 1


def test_a_late_payment_when_the_stock_has_gone_is_kept_and_flagged_for_a_refund(client):
    from catalog.models import StockType
    from orders.models import OrderItem
    from orders.services.expiry import expire_unpaid_orders
    from tests.catalog.factories import PackageFactory

    package = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=0)
    order = _order_with_code()
    OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name="Japan",
        quantity=1,
        unit_price_cents=1_099,
        final_unit_price_cents=1_099,
        total_cents=1_099,
        code_discount_cents=100,
    )
    expire_unpaid_orders(now=timezone.now() + timedelta(hours=2))  # gives its unit back...
    package.refresh_from_db()
    package.stock_quantity = 0  # ...which someone else buys meanwhile
    package.save()
    _post(
        client, paddle_event("transaction.completed", order, event_id="evt_c", occurred_at=_at(1))
    )

    assert _process_all() == ["paid"]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # the money arrived: the order is kept
    assert order.needs_review and "Refund it" in order.review_reason
    assert order.fulfilment_requested_at is None  # but not fulfilled


def test_a_stored_event_never_applied_is_queued_again_when_paddle_retries(client):
    order = _order_with_code()
    event = paddle_event("transaction.completed", order, event_id="evt_c", occurred_at=_at(1))
    queue = Redis.from_url(settings.CELERY_BROKER_URL)
    _post(client, event)
    queued_once = queue.llen("celery")

    again = _post(client, event).json()  # the first queue message was lost, say

    assert again["data"]["duplicate"] is True
    assert queue.llen("celery") == queued_once + 1
    _process_all()
    third = _post(client, event).json()
    assert third["data"]["duplicate"] is True
    assert queue.llen("celery") == queued_once + 1  # applied: not queued any more


def test_events_stuck_for_minutes_are_found_by_the_sweeper():
    from orders.services.payments import stuck_webhooks

    old = WebhookLog.objects.create(
        source="paddle",
        event_type="transaction.completed",
        event_id="evt_old",
        payload={},
        created_at=timezone.now() - timedelta(minutes=5),
    )
    WebhookLog.objects.create(
        source="paddle", event_type="transaction.completed", event_id="evt_new", payload={}
    )

    assert stuck_webhooks(now=timezone.now()) == [old.pk]


def test_a_transaction_made_elsewhere_is_logged_not_retried_forever(client):
    order = _order_with_code()
    payload = paddle_event("transaction.completed", order, event_id="evt_x", occurred_at=_at(1))
    payload["data"]["custom_data"] = {"order_id": "abc"}
    payload["data"]["id"] = "txn_01elsewhere"

    _post(client, payload)

    assert _process_all() == ["no such order"]


def test_a_second_transaction_paying_a_paid_order_is_flagged(client):
    order = _order_with_code()
    _post(
        client, paddle_event("transaction.completed", order, event_id="evt_1", occurred_at=_at(1))
    )
    _process_all()
    twice = paddle_event("transaction.completed", order, event_id="evt_2", occurred_at=_at(2))
    twice["data"]["id"] = "txn_01orphan"

    _post(client, twice)

    assert _process_all() == ["flagged"]
    order.refresh_from_db()
    assert order.needs_review and "txn_01orphan" in order.review_reason


def test_a_late_payment_takes_no_stock_at_all_when_one_of_its_packages_sold_out(client):
    from catalog.models import StockType
    from orders.models import OrderItem
    from orders.services.expiry import expire_unpaid_orders
    from tests.catalog.factories import PackageFactory

    plenty = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=6)
    gone = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=0)
    order = _order_with_code()
    for package in (plenty, gone):
        OrderItem.objects.create(
            order=order,
            package=package,
            package_code=package.package_code,
            package_name="x",
            quantity=1,
            unit_price_cents=500,
            final_unit_price_cents=500,
            total_cents=500,
        )
    expire_unpaid_orders(now=timezone.now() + timedelta(hours=2))
    type(gone).objects.filter(pk=gone.pk).update(stock_quantity=0)  # resold meanwhile
    _post(
        client, paddle_event("transaction.completed", order, event_id="evt_c", occurred_at=_at(1))
    )

    _process_all()

    plenty.refresh_from_db()
    assert plenty.stock_quantity == 7  # given back at expiry, not taken again half-way
    order.refresh_from_db()
    assert order.needs_review
