"""Refunding a payment through Paddle: asked from Admin after a confirmation, sent to Paddle
once, applied when Paddle's adjustment webhook says approved — the order refunded, its points
reversed (earned taken back, spent returned), the customer's stats updated — exactly once."""

from datetime import timedelta

import pytest
import requests
from django.utils import timezone

from accounts.models import AdminAuditEntry, CustomerProfile
from accounts.roles import MANAGE_ORDERS, ROLES
from accounts.services import apply_roles
from hiroam.api.errors import DomainError
from orders.models import Order, OrderStatus, PaymentRefund, PaymentStatus, WebhookLog
from orders.services.payment_refunds import request_refund, send_refund
from orders.services.payments import process_paddle_event
from orders.services.points_handoff import credit_points_for
from points import services as points
from points.models import PointsTransaction
from tests.accounts.factories import DEFAULT_PASSWORD, staff_member
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, WEBHOOK, cart, checkout_body, signed
from tests.orders.factories import paid_order
from tests.sandbox.checkout_page import press
from tests.worker import wait_for

Status = PaymentRefund.Status


def _adjustment(order, *, status, adjustment_id="adj_01", event_id=None, kind="full", total=None):
    return {
        "event_id": event_id or f"evt_{adjustment_id}_{status}",
        "event_type": "adjustment.updated"
        if status != "pending_approval"
        else "adjustment.created",
        "occurred_at": timezone.now().isoformat(),
        "notification_id": "ntf_1",
        "data": {
            "id": adjustment_id,
            "action": "refund",
            "type": kind,
            "transaction_id": order.paddle_transaction_id,
            "reason": "Trip cancelled",
            "status": status,
            "currency_code": "USD",
            "totals": {
                "subtotal": str(total or order.total_cents),
                "total": str(total or order.total_cents),
            },
        },
    }


def _deliver(client, payload):
    body, headers = signed(payload)
    assert client.post(WEBHOOK, body, content_type="application/json", **headers).status_code == 200
    return [
        process_paddle_event(log.pk, timezone.now())
        for log in WebhookLog.objects.filter(processed=False).order_by("created_at")
    ]


@pytest.fixture
def completed_order(customer):
    """A signed-in customer's completed $15 order that used 500 points and earned 200."""
    points.adjust(user_id=customer.pk, points=500, note="gift", by=None, now=timezone.now())
    order = paid_order(
        user=customer,
        status=OrderStatus.COMPLETED,
        subtotal_cents=2_000,
        points_discount_cents=500,
        total_discount_cents=500,
        total_cents=1_500,
        points_redeemed=500,
        paddle_transaction_id="txn_01refundme",
    )
    points.spend(user_id=customer.pk, points=500, order_id=order.pk, now=timezone.now())
    credit_points_for(order)  # 150 + the first-purchase bonus
    return order


@pytest.mark.django_db
def test_an_approved_refund_refunds_the_order_and_reverses_its_points_once(
    client, customer, completed_order
):
    profile = CustomerProfile.objects.get(user=customer)
    assert (profile.points_balance, profile.total_orders) == (200, 1)

    assert _deliver(client, _adjustment(completed_order, status="pending_approval")) == [
        "refund pending"
    ]
    assert _deliver(client, _adjustment(completed_order, status="approved")) == ["refunded"]
    # Paddle retries and replays: nothing moves twice.
    assert _deliver(client, _adjustment(completed_order, status="approved", event_id="evt_2")) == [
        "no change"
    ]

    order = Order.objects.get(pk=completed_order.pk)
    assert (order.status, order.payment_status) == (OrderStatus.REFUNDED, PaymentStatus.REFUNDED)
    assert order.refunded_at is not None
    refund = PaymentRefund.objects.get()  # made in Paddle's dashboard: recorded all the same
    assert (refund.status, refund.amount_cents, refund.paddle_adjustment_id) == (
        Status.APPROVED,
        1_500,
        "adj_01",
    )
    profile = CustomerProfile.objects.get(user=customer)
    # The 500 points it used come back; the 200 it earned are taken back.
    assert profile.points_balance == 500
    assert (profile.total_orders, profile.total_spent_cents) == (0, 0)
    reversals = PointsTransaction.objects.filter(kind="reversed", order_id=order.pk)
    assert sorted(reversals.values_list("points", flat=True)) == [-200, 500]


@pytest.mark.django_db
def test_a_rejected_or_partial_refund_changes_nothing_but_asks_a_human(
    client, customer, completed_order
):
    _deliver(client, _adjustment(completed_order, status="rejected"))
    _deliver(
        client,
        _adjustment(
            completed_order, status="approved", adjustment_id="adj_02", kind="partial", total=300
        ),
    )

    order = Order.objects.get(pk=completed_order.pk)
    assert order.status == OrderStatus.COMPLETED
    assert order.needs_review
    assert "rejected" in order.review_reason and "Partly refunded" in order.review_reason
    assert CustomerProfile.objects.get(user=customer).points_balance == 200


@pytest.mark.django_db
def test_an_adjustment_for_a_transaction_we_do_not_know_is_kept_for_a_human(client, customer):
    stranger = paid_order(paddle_transaction_id="txn_01known")
    stranger.paddle_transaction_id = "txn_01unknown"

    assert _deliver(client, _adjustment(stranger, status="approved")) == ["no such order"]
    assert WebhookLog.objects.get().error_message


@pytest.mark.django_db
def test_only_a_paid_order_is_refunded_and_only_one_refund_at_a_time(customer, completed_order):
    unpaid = paid_order(payment_status=PaymentStatus.PENDING, status=OrderStatus.PENDING)

    with pytest.raises(DomainError, match="not paid"):
        request_refund(unpaid.pk, reason="asked", by=None, now=timezone.now())
    with pytest.raises(DomainError, match="Say why"):
        request_refund(completed_order.pk, reason=" ", by=None, now=timezone.now())
    request_refund(completed_order.pk, reason="asked", by=None, now=timezone.now())
    with pytest.raises(DomainError, match="already has a refund"):
        request_refund(completed_order.pk, reason="asked again", by=None, now=timezone.now())

    assert PaymentRefund.objects.count() == 1
    # A request no worker ever sent does not block the order for good.
    later = timezone.now() + timedelta(minutes=20)
    request_refund(completed_order.pk, reason="asked again", by=None, now=later)
    assert sorted(PaymentRefund.objects.values_list("status", flat=True)) == [
        Status.FAILED,
        Status.REQUESTED,
    ]


@pytest.mark.django_db(transaction=True)
def test_paddle_unreachable_marks_the_refund_failed_and_flags_the_order(
    customer, completed_order, settings
):
    from hiroam.integrations.paddle import paddle_client

    settings.PADDLE_API_URL = "http://127.0.0.1:9/unreachable"
    paddle_client.cache_clear()
    request_refund(completed_order.pk, reason="asked", by=None, now=timezone.now())
    refund = PaymentRefund.objects.get()

    assert send_refund(refund.pk, now=timezone.now()) == "failed"
    assert send_refund(refund.pk, now=timezone.now()) == "already sent"  # never asked twice

    refund.refresh_from_db()
    assert refund.status == Status.FAILED and refund.error_message
    order = Order.objects.get(pk=completed_order.pk)
    assert order.needs_review and order.status == OrderStatus.COMPLETED
    # A failed refund is not in flight: it may be asked again.
    request_refund(completed_order.pk, reason="second try", by=None, now=timezone.now())
    paddle_client.cache_clear()


@pytest.mark.django_db
def test_a_refund_made_in_paddles_dashboard_beside_ours_is_recorded_too(
    client, customer, completed_order
):
    request_refund(completed_order.pk, reason="asked", by=None, now=timezone.now())
    PaymentRefund.objects.update(status=Status.PENDING_APPROVAL, paddle_adjustment_id="adj_ours")

    assert _deliver(
        client, _adjustment(completed_order, status="pending_approval", adjustment_id="adj_dash")
    ) == ["refund pending"]

    assert sorted(PaymentRefund.objects.values_list("paddle_adjustment_id", flat=True)) == [
        "adj_dash",
        "adj_ours",
    ]


@pytest.mark.django_db(transaction=True)
def test_asking_again_after_a_lost_answer_never_refunds_twice(paddle_sandbox, customer):
    """The first request reached Paddle but its answer was lost (the worker died): asking
    again attaches Paddle's refund instead of creating a second one."""
    from hiroam.sandbox.models import PaddleAdjustment
    from hiroam.sandbox.paddle import create_adjustment

    package = PackageFactory.create(price_usd_cents=1_000)
    response = requests.post(
        f"{paddle_sandbox.url}{CHECKOUT}", json=checkout_body(cart(package)), timeout=30
    )
    order = Order.objects.get(pk=response.json()["data"]["order_id"])
    press(paddle_sandbox.url, str(order.paddle_transaction_id), "pay")
    Order.objects.filter(pk=order.pk).update(
        payment_status=PaymentStatus.COMPLETED, status=OrderStatus.COMPLETED
    )
    request_refund(order.pk, reason="first", by=None, now=timezone.now())
    first = PaymentRefund.objects.get()
    PaymentRefund.objects.filter(pk=first.pk).update(sent_at=timezone.now())  # claimed, then lost
    lost = create_adjustment(
        {"action": "refund", "transaction_id": order.paddle_transaction_id, "reason": "first"},
        timezone.now(),
    )

    later = timezone.now() + timedelta(minutes=20)
    request_refund(order.pk, reason="second", by=None, now=later)
    second = PaymentRefund.objects.get(status=Status.REQUESTED)
    assert send_refund(second.pk, now=later) == Status.PENDING_APPROVAL

    second.refresh_from_db()
    assert second.paddle_adjustment_id == lost["id"]
    assert PaddleAdjustment.objects.count() == 1


@pytest.fixture
def manager(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_ORDERS.name))
    return client


def _refund_action(client, order, **extra):
    return client.post(
        "/admin/orders/order/",
        {"action": "refund_payment", "_selected_action": [str(order.pk)], **extra},
        follow=True,
    )


@pytest.mark.django_db
def test_admin_refunds_only_after_confirming_with_a_reason_and_it_is_audited(
    manager, customer, completed_order
):
    first = _refund_action(manager, completed_order)
    assert "Refund these payments through Paddle?" in first.content.decode()
    assert not PaymentRefund.objects.exists()  # nothing before the confirmation
    no_reason = _refund_action(manager, completed_order, confirmed="yes")
    assert "Give a reason" in no_reason.content.decode()
    assert not PaymentRefund.objects.exists()

    _refund_action(manager, completed_order, confirmed="yes", refund_reason="Trip cancelled")

    refund = PaymentRefund.objects.get()
    assert (refund.status, refund.reason) == (Status.REQUESTED, "Trip cancelled")
    assert refund.requested_by is not None
    assert refund.requested_by.groups.filter(name=MANAGE_ORDERS.name).exists()
    assert AdminAuditEntry.objects.filter(action_name="refund_payment").exists()


@pytest.fixture
def worker_environment(live_server):
    return {"APP_URL": live_server.url, "SANDBOX_PADDLE_REFUND_APPROVAL_SECONDS": "0"}


@pytest.mark.django_db(transaction=True)
def test_a_refund_travels_through_paddle_and_back(paddle_sandbox, worker, customer):
    """Checkout, payment, refund request, Paddle's approval: real HTTP, a real worker."""
    login = requests.post(
        f"{paddle_sandbox.url}/api/v1/auth/login",
        json={"email": customer.email, "password": DEFAULT_PASSWORD},
        timeout=30,
    )
    token = login.json()["data"]["access"]
    package = PackageFactory.create(price_usd_cents=1_000)
    response = requests.post(
        f"{paddle_sandbox.url}{CHECKOUT}",
        json=checkout_body(cart(package), email=customer.email),
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    order = Order.objects.get()
    press(paddle_sandbox.url, str(order.paddle_transaction_id), "pay")
    assert wait_for(lambda: Order.objects.get().payment_status == PaymentStatus.COMPLETED, worker)

    request_refund(order.pk, reason="Trip cancelled", by=None, now=timezone.now())

    assert wait_for(lambda: Order.objects.get().status == OrderStatus.REFUNDED, worker), (
        Order.objects.get().review_reason
    )
    refund = PaymentRefund.objects.get()
    assert refund.status == Status.APPROVED
    assert refund.paddle_adjustment_id.startswith("adj_")
    assert refund.amount_cents == 1_000
