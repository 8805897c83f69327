"""Paying with points at checkout: at most half of what is left to pay (by default), 100 points
a dollar; held with the unpaid order, spent when it is paid, released when it expires; never
spent twice, never by a guest."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import CustomerProfile
from hiroam.sandbox.models import PaddleTransaction
from orders.models import Order, OrderStatus, WebhookLog
from orders.services.expiry import expire_unpaid_orders
from orders.services.payments import process_paddle_event
from points import services as points
from points.models import PointsTransaction
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, WEBHOOK, cart, checkout_body, paddle_event, signed

pytestmark = pytest.mark.django_db(transaction=True)


def _give(user, amount):
    points.adjust(user_id=user.pk, points=amount, note="welcome gift", by=None, now=timezone.now())


def _profile(user):
    return CustomerProfile.objects.get(user=user)


def _checkout(client, package, **extra):
    return client.post(CHECKOUT, checkout_body(cart(package), **extra), format="json")


def _pay(client, order):
    event = paddle_event(
        "transaction.completed",
        order,
        event_id=f"evt_{order.order_number}",
        occurred_at=timezone.now().isoformat(),
    )
    body, headers = signed(event)
    assert client.post(WEBHOOK, body, content_type="application/json", **headers).status_code == 200
    for log in WebhookLog.objects.filter(processed=False):
        process_paddle_event(log.pk, timezone.now())


def test_points_pay_up_to_half_held_until_paid_then_spent_once(
    signed_in_client, customer, paddle_sandbox
):
    _give(customer, 1_200)
    package = PackageFactory.create(price_usd_cents=2_000)

    response = _checkout(signed_in_client, package, email=customer.email, points=1_200)

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    # $20.00: points may pay half; 1,000 points are all that needs.
    assert data["pricing"]["points_discount"] == 1_000
    assert data["pricing"]["total"] == 1_000
    assert data["points_redeemed"] == 1_000
    assert data["breakdown"]["points"] == {"redeemed": 1_000, "discountCents": 1_000}
    order = Order.objects.get(pk=data["order_id"])
    # Paddle is asked for what the customer pays, not the list price.
    charged = PaddleTransaction.objects.get(pk=order.paddle_transaction_id)
    assert charged.data["details"]["totals"]["subtotal"] == "1000"
    profile = _profile(customer)
    assert (profile.points_balance, profile.points_reserved, profile.points_available) == (
        1_200,
        1_000,
        200,
    )
    assert not PointsTransaction.objects.filter(kind="spent").exists()  # held, not spent

    _pay(signed_in_client, order)
    _pay(signed_in_client, order)  # a duplicate delivery spends nothing more

    profile = _profile(customer)
    assert (profile.points_balance, profile.points_reserved) == (200, 0)
    spent = PointsTransaction.objects.get(kind="spent")
    assert (spent.points, spent.order_id, spent.balance_after) == (-1_000, order.pk, 200)


def test_held_points_cannot_pay_for_a_second_order(signed_in_client, customer, paddle_sandbox):
    _give(customer, 600)
    package = PackageFactory.create(price_usd_cents=1_000)
    assert _checkout(signed_in_client, package, email=customer.email, points=500).status_code == 201

    response = _checkout(signed_in_client, package, email=customer.email, points=500)

    # Only the 100 points not held by the first order pay for the second.
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert (data["points_redeemed"], data["pricing"]["total"]) == (100, 900)
    profile = _profile(customer)
    assert (profile.points_reserved, profile.points_available) == (600, 0)


def test_an_expired_order_gives_its_points_back_without_a_ledger_row(
    signed_in_client, customer, paddle_sandbox
):
    _give(customer, 500)
    package = PackageFactory.create(price_usd_cents=1_000)
    _checkout(signed_in_client, package, email=customer.email, points=500)

    assert expire_unpaid_orders(now=timezone.now() + timedelta(hours=2)) == 1

    profile = _profile(customer)
    assert (profile.points_balance, profile.points_reserved) == (500, 0)
    assert PointsTransaction.objects.count() == 1  # only the gift


def test_a_late_payment_after_the_points_were_used_elsewhere_is_flagged(
    signed_in_client, customer, paddle_sandbox
):
    _give(customer, 500)
    package = PackageFactory.create(price_usd_cents=1_000)
    data = _checkout(signed_in_client, package, email=customer.email, points=500).json()["data"]
    expire_unpaid_orders(now=timezone.now() + timedelta(hours=2))
    # The released points pay for another order meanwhile.
    points.spend(user_id=customer.pk, points=500, order_id=None, now=timezone.now())

    _pay(signed_in_client, Order.objects.get(pk=data["order_id"]))

    order = Order.objects.get(pk=data["order_id"])
    assert order.needs_review
    assert "500 points no longer available" in order.review_reason
    assert _profile(customer).points_balance == 0


def test_a_guest_cannot_pay_with_points(api_client, paddle_sandbox):
    package = PackageFactory.create(price_usd_cents=1_000)

    response = _checkout(api_client, package, points=100)

    assert response.status_code == 401
    assert not Order.objects.exists()


def test_points_are_never_spent_on_an_order_that_fails_to_open_its_payment(
    signed_in_client, customer, paddle_sandbox, settings
):
    _give(customer, 500)
    settings.PADDLE_API_URL = "http://127.0.0.1:9/unreachable"
    from hiroam.integrations.paddle import paddle_client

    paddle_client.cache_clear()
    package = PackageFactory.create(price_usd_cents=1_000)

    response = _checkout(signed_in_client, package, email=customer.email, points=500)

    assert response.status_code == 503
    assert Order.objects.get().status == OrderStatus.FAILED
    assert _profile(customer).points_reserved == 0


def test_held_points_are_not_expired_until_the_order_is_decided():
    user = UserFactory.create()
    earned_at = timezone.now() - timedelta(days=400)
    points.earn_for_order(
        user_id=user.pk, order_id=None, paid_cents=3_000, first_purchase=False, now=earned_at
    )
    points.hold_for_order(user_id=user.pk, points=100)

    assert points.expire_due(user_id=user.pk, now=timezone.now()) == 200  # 300 less the held

    points.release_held(user_id=user.pk, points=100)
    assert points.expire_due(user_id=user.pk, now=timezone.now()) == 100
    assert _profile(user).points_balance == 0


def test_a_late_payment_after_the_account_was_erased_is_flagged_not_stuck(
    signed_in_client, customer, paddle_sandbox
):
    _give(customer, 500)
    package = PackageFactory.create(price_usd_cents=1_000)
    data = _checkout(signed_in_client, package, email=customer.email, points=500).json()["data"]
    expire_unpaid_orders(now=timezone.now() + timedelta(hours=2))
    from accounts.data_rights import erase_customer

    erase_customer(user_id=customer.pk, now=timezone.now(), requested_by=None)

    _pay(signed_in_client, Order.objects.get(pk=data["order_id"]))

    order = Order.objects.get(pk=data["order_id"])
    assert order.payment_status == "completed"
    assert order.needs_review and "points no longer available" in order.review_reason
    assert not WebhookLog.objects.filter(processed=False).exists()
