"""DELETE /me: the customer's erasure. Orders stay for tax, anonymised with their amounts and
items; profile, points ledger and account go; sessions end; an audit entry without personal
data remains. Each refusal changes nothing at all."""

import json

import pytest
from django.contrib.contenttypes.models import ContentType
from rest_framework.test import APIClient
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken

from accounts.models import AdminAuditEntry, CustomerProfile, FirstTouch, User
from orders.data_rights import ERASED_EMAIL
from orders.models import (
    EmailLog,
    EsimProfile,
    Order,
    OrderItem,
    OrderStatus,
    PaymentRefund,
    WebhookLog,
)
from points.models import PointsExpiryNotice, PointsTransaction
from pricing.models import DiscountCodeUsage
from tests.accounts.customer_file import customer_with_one_of_everything
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.orders.factories import OrderFactory, paid_order

pytestmark = pytest.mark.django_db

ME = "/api/v1/me"


@pytest.fixture
def session(api_client, customer):
    """The customer signed in: the client, and the refresh token of the session."""
    tokens = api_client.post(
        "/api/v1/auth/login",
        {"email": customer.email, "password": DEFAULT_PASSWORD},
        format="json",
    ).json()["data"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {tokens['access']}")
    return api_client, tokens["refresh"]


def _erase(client, password=DEFAULT_PASSWORD):
    return client.delete(ME, {"password": password}, format="json")


def _everything():
    """Every row erasure could touch, to show a refusal touched none of them."""
    return {
        "users": list(User.objects.order_by("pk").values()),
        "profiles": list(CustomerProfile.objects.order_by("pk").values()),
        "ledger": list(PointsTransaction.objects.order_by("pk").values()),
        "orders": list(Order.objects.order_by("pk").values()),
        "emails": list(EmailLog.objects.order_by("pk").values()),
        "promo_uses": list(DiscountCodeUsage.objects.order_by("pk").values()),
        "refunds": list(PaymentRefund.objects.order_by("pk").values()),
        "notices": list(PointsExpiryNotice.objects.order_by("pk").values()),
        "audit": list(AdminAuditEntry.objects.order_by("pk").values()),
        "payment_events": list(WebhookLog.objects.order_by("pk").values()),
        "revoked_tokens": BlacklistedToken.objects.count(),
        "first_touches": list(FirstTouch.objects.order_by("pk").values()),
    }


def test_erasure_anonymises_orders_keeps_their_amounts_and_deletes_the_rest(session, customer):
    client, refresh = session
    held = customer_with_one_of_everything(customer)
    other = customer_with_one_of_everything(UserFactory.create(), tag="BOB")
    earlier_change = AdminAuditEntry.objects.create(
        actor_email="manager@hiroam.local",
        action="change",
        content_type=ContentType.objects.get_for_model(User),
        object_id=str(customer.pk),
        object_repr=customer.email,
        old_values={"full_name": "Tia", "is_active": True},
        new_values={"full_name": "Tia Traveller", "is_active": True},
    )
    EmailLog.objects.filter(pk=held.email.pk).update(
        error_message=f"Rejected: {customer.email} bounced once"
    )
    erased_id = customer.pk

    response = _erase(client)

    assert response.status_code == 200
    assert not User.objects.filter(pk=erased_id).exists()
    assert not CustomerProfile.objects.filter(user_id=erased_id).exists()
    assert not PointsTransaction.objects.filter(user_id=erased_id).exists()
    assert not PointsExpiryNotice.objects.filter(user_id=erased_id).exists()

    order = Order.objects.get(pk=held.order.pk)
    assert (order.customer_email, order.customer_name, order.user_id) == (ERASED_EMAIL, "", None)
    assert order.paddle_customer_id == ""
    assert order.paddle_transaction_id == "txn_TIA"  # the tax record keeps its payment
    assert (order.subtotal_cents, order.total_cents, order.status) == (999, 999, "completed")
    assert OrderItem.objects.get(order=order).total_cents == 999
    assert EsimProfile.objects.get(order=order).iccid == held.esim.iccid
    email = EmailLog.objects.get(pk=held.email.pk)
    assert email.to_email == ERASED_EMAIL
    assert email.error_message == f"Rejected: {ERASED_EMAIL} bounced once"
    refund = PaymentRefund.objects.get(pk=held.refund.pk)
    assert (refund.reason, refund.status) == ("Asked by [erased]: eSIM not needed", "rejected")
    use = DiscountCodeUsage.objects.get(pk=held.promo_use.pk)
    assert (use.guest_email, use.user_id, use.discount_amount_cents) == (ERASED_EMAIL, None, 100)
    # Paddle's notification keeps what was paid, never who paid or with which card.
    payment = WebhookLog.objects.get(order=order).payload
    assert payment["data"]["details"]["totals"]["total"] == "999"
    assert not {"customer_id", "address_id", "payments"} & set(payment["data"])

    # The session is over: neither token works any more.
    assert client.get(ME).status_code == 401
    refreshed = APIClient().post("/api/v1/auth/refresh", {"refresh": refresh}, format="json")
    assert refreshed.status_code == 401

    # One entry records it, naming nobody; the earlier entry no longer says who it was about.
    entry = AdminAuditEntry.objects.get(action_name="erase_customer")
    assert (entry.object_id, entry.actor_id, entry.actor_email) == (str(erased_id), None, "")
    assert entry.new_values["requested_by"] == "customer"
    assert entry.new_values["orders_anonymised"] == 1
    assert entry.new_values["points_ledger_rows_deleted"] == 2
    assert entry.new_values["refresh_tokens_revoked"] == 1
    earlier_change.refresh_from_db()
    assert earlier_change.object_repr == f"Erased customer {erased_id}"
    assert earlier_change.old_values == {"full_name": "[erased]", "is_active": True}
    trail = json.dumps(list(AdminAuditEntry.objects.values()), default=str)
    for personal in ("traveller@example.com", "Tia", "+62 812"):
        assert personal not in trail

    # The other customer is untouched.
    other.order.refresh_from_db()
    assert other.order.customer_email == other.user.email
    assert PointsTransaction.objects.filter(user=other.user).count() == 2


def test_a_wrong_password_changes_nothing(session, customer):
    client, _ = session
    customer_with_one_of_everything(customer)
    before = _everything()

    response = _erase(client, password="not my password")

    assert response.status_code == 403
    assert response.json()["error"]["code"] == "INVALID_PASSWORD"
    assert _everything() == before


@pytest.mark.parametrize("status", [OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PROCESSING])
def test_an_order_being_paid_or_delivered_holds_the_erasure_and_says_which(
    session, customer, status
):
    client, _ = session
    customer_with_one_of_everything(customer)
    if status == OrderStatus.PENDING:
        busy = OrderFactory.create(user=customer, customer_email=customer.email)
    else:
        busy = paid_order(status=status, user=customer, customer_email=customer.email)
    before = _everything()

    response = _erase(client)

    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "ORDERS_IN_PROGRESS"
    reason = "awaiting_payment" if status == OrderStatus.PENDING else "being_delivered"
    assert error["details"] == {
        "orders": [{"order_number": busy.order_number, "status": status, "reason": reason}]
    }
    assert "waiting for payment, being delivered or being refunded" in error["message"]
    assert _everything() == before


def test_a_refund_in_flight_holds_the_erasure(session, customer):
    client, _ = session
    held = customer_with_one_of_everything(customer)
    PaymentRefund.objects.create(
        order=held.order, status=PaymentRefund.Status.PENDING_APPROVAL, reason="not needed"
    )
    before = _everything()

    response = _erase(client)

    assert response.status_code == 409
    [busy] = response.json()["error"]["details"]["orders"]
    assert busy == {
        "order_number": held.order.order_number,
        "status": "completed",
        "reason": "being_refunded",
    }
    assert _everything() == before


def test_a_staff_account_is_not_erased(api_client):
    staff = UserFactory.create(is_staff=True)
    login = api_client.post(
        "/api/v1/auth/login", {"email": staff.email, "password": DEFAULT_PASSWORD}, format="json"
    )
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {login.json()['data']['access']}")
    before = _everything()

    response = _erase(api_client)

    assert response.status_code == 422
    assert response.json()["error"]["code"] == "STAFF_ACCOUNT_NOT_ERASABLE"
    assert _everything() == before


def test_the_password_cannot_be_guessed_through_erasure(session, customer, throttle_clock):
    client, _ = session

    answers = [_erase(client, password=f"guess {n}").status_code for n in range(5)]
    last = _erase(client)  # the right password, too late

    assert answers == [403] * 5
    assert last.status_code == 429
    assert User.objects.filter(pk=customer.pk).exists()


def test_erasure_needs_the_password_and_a_signed_in_customer(api_client, session, customer):
    client, _ = session

    assert APIClient().delete(ME, {"password": DEFAULT_PASSWORD}, format="json").status_code == 401
    missing = client.delete(ME, {}, format="json")

    assert missing.status_code == 400
    assert "password" in missing.json()["error"]["details"]
    assert User.objects.filter(pk=customer.pk).exists()
