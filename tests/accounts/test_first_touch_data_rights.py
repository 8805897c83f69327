"""The first touch in a customer's data rights: in their export once it is theirs, gone with
their account, and gone with a guest's last named order when the retention job forgets them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.acquisition import Touch, email_hash, record_first_touch
from accounts.models import FirstTouch, TouchRecordedBy, User
from orders.data_rights import anonymise_guest_orders
from orders.models import OrderStatus
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.orders.factories import paid_order

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export"
NEWSLETTER = Touch(source="newsletter", medium="email", campaign="Spring")


def _touch(email, by=TouchRecordedBy.CHECKOUT, touch=NEWSLETTER, now=None):
    record_first_touch(email, touch, by=by, now=now or timezone.now())


def test_a_verified_customers_export_holds_the_first_touch_of_their_address(
    signed_in_client, customer
):
    _touch(customer.email)  # a guest checkout under the address, before the account
    User.objects.filter(pk=customer.pk).update(email_verified_at=timezone.now())

    touch = signed_in_client.get(EXPORT).json()["data"]["first_touch"]

    assert touch | {"recorded_at": None} == {
        "utm_source": "newsletter",
        "utm_medium": "email",
        "utm_campaign": "Spring",
        "referrer_host": "",
        "recorded_at": None,
        "recorded_by": "checkout",
    }


def test_an_unverified_address_shows_only_the_touch_its_own_sign_up_kept(
    signed_in_client, customer
):
    _touch(customer.email)  # anyone could have typed the address at a checkout

    assert signed_in_client.get(EXPORT).json()["data"]["first_touch"] is None


def test_the_sign_up_touch_of_an_unverified_account_is_in_its_export(api_client):
    api_client.post(
        "/api/v1/auth/register",
        {"email": "ana@example.com", "password": "sunrise over Bali 2026", "utm_source": "ads"},
        format="json",
    )
    token = api_client.post(
        "/api/v1/auth/login",
        {"email": "ana@example.com", "password": "sunrise over Bali 2026"},
        format="json",
    ).json()["data"]["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    touch = api_client.get(EXPORT).json()["data"]["first_touch"]

    assert (touch["utm_source"], touch["recorded_by"]) == ("ads", "sign_up")


def test_erasing_the_account_deletes_its_first_touch_and_no_one_elses(api_client, customer):
    _touch(customer.email)
    _touch("someone@example.com")
    token = api_client.post(
        "/api/v1/auth/login",
        {"email": customer.email, "password": DEFAULT_PASSWORD},
        format="json",
    ).json()["data"]["access"]
    api_client.credentials(HTTP_AUTHORIZATION=f"Bearer {token}")

    response = api_client.delete("/api/v1/me", {"password": DEFAULT_PASSWORD}, format="json")

    assert response.status_code == 200, response.content
    assert list(FirstTouch.objects.values_list("email_hash", flat=True)) == [
        email_hash("someone@example.com")
    ]


def test_a_guests_first_touch_goes_with_their_last_named_order():
    now = timezone.now()
    old = paid_order(customer_email="gita@example.com", status=OrderStatus.COMPLETED)
    newer = paid_order(customer_email="gita@example.com", status=OrderStatus.COMPLETED)
    _touch("gita@example.com", now=now - timedelta(days=800))

    first = anonymise_guest_orders([old.pk], now)
    assert first["first_touches_deleted"] == 0  # a newer order still names her
    assert FirstTouch.objects.exists()

    second = anonymise_guest_orders([newer.pk], now)
    assert second["first_touches_deleted"] == 1
    assert not FirstTouch.objects.exists()


def test_a_guest_order_of_an_accounts_address_leaves_the_first_touch_to_the_account():
    UserFactory.create(email="tia@example.com")
    order = paid_order(customer_email="tia@example.com", status=OrderStatus.COMPLETED)
    _touch("tia@example.com")

    anonymise_guest_orders([order.pk], timezone.now())

    assert FirstTouch.objects.filter(email_hash=email_hash("tia@example.com")).exists()
