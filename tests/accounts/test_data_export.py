"""GET /me/export: everything we hold about the customer, and nothing about anyone else."""

import pytest
from django.utils import timezone

from accounts.models import User
from orders.models import OrderStatus
from tests.accounts.customer_file import ACTIVATION_CODE, customer_with_one_of_everything
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory, paid_order

pytestmark = pytest.mark.django_db

EXPORT = "/api/v1/me/export"


def test_the_export_holds_every_kind_of_data_about_the_customer(signed_in_client, customer):
    held = customer_with_one_of_everything(customer)
    other = customer_with_one_of_everything(UserFactory.create(), tag="BOB")

    response = signed_in_client.get(EXPORT)

    assert response.status_code == 200
    data = response.json()["data"]
    assert data["account"] | {"date_joined": None, "last_login": None} == {
        "id": str(customer.pk),
        "email": "traveller@example.com",
        "email_verified_at": data["account"]["email_verified_at"],
        "full_name": "Tia Traveller",
        "phone": "+62 812 3456 7890",
        "date_joined": None,
        "last_login": None,
    }
    assert data["account"]["email_verified_at"] is not None
    assert data["profile"]["preferred_currency"] == "IDR"
    assert data["profile"]["points_balance"] == 149
    assert data["profile"]["total_orders"] == 1

    [order] = data["orders"]
    assert (order["order_number"], order["total_cents"]) == (held.order.order_number, 999)
    assert order["customer_email"] == "traveller@example.com"
    [item] = order["items"]
    assert item["package_name"] == "Japan 5GB 30 days"
    [esim] = item["esims"]
    assert esim["iccid"] == held.esim.iccid
    assert esim["activation_code"] == ACTIVATION_CODE  # the customer's own, in clear
    [refund] = order["refunds"]
    assert (refund["status"], refund["reason"]) == ("rejected", held.refund.reason)

    [email] = data["emails_sent"]
    assert (email["template_name"], email["to_email"], email["order_number"]) == (
        "esim_delivery",
        "traveller@example.com",
        held.order.order_number,
    )
    [payment] = data["payment_events"]
    assert payment["event_type"] == "transaction.completed"
    assert payment["data"]["payments"][0]["method_details"]["card"]["last4"] == "42"
    [use] = data["promo_code_uses"]
    assert (use["code"], use["order_id"]) == ("WELCOME-TIA", str(held.order.pk))
    ledger = sorted((row["reason"], row["points"]) for row in data["points_ledger"])
    assert ledger == [("first_purchase_bonus", 50), ("purchase", 99)]
    [notice] = data["points_expiry_notices"]
    assert (notice["points"], notice["status"]) == (149, "sent")

    # Nothing of the other customer's.
    text = response.content.decode()
    for foreign in (other.user.email, other.order.order_number, other.esim.iccid, "WELCOME-BOB"):
        assert foreign not in text


def test_guest_orders_under_the_email_are_exported_only_once_it_is_verified(
    signed_in_client, customer
):
    guest = paid_order(customer_email=customer.email, status=OrderStatus.COMPLETED)

    before = signed_in_client.get(EXPORT).json()["data"]["orders"]
    User.objects.filter(pk=customer.pk).update(email_verified_at=timezone.now())
    after = signed_in_client.get(EXPORT).json()["data"]["orders"]

    assert before == []  # until then, anyone could have typed that address
    assert [order["order_number"] for order in after] == [guest.order_number]


def test_a_new_customer_gets_an_export_with_empty_sections(signed_in_client, customer):
    OrderFactory.create(customer_email="someone@example.com")

    data = signed_in_client.get(EXPORT).json()["data"]

    assert data["profile"] is None
    assert [data[name] for name in ("orders", "emails_sent", "promo_code_uses")] == [[], [], []]
    assert data["points_ledger"] == data["points_expiry_notices"] == []


def test_the_export_is_for_the_signed_in_customer_a_few_times_an_hour(
    api_client, signed_in_client, throttle_clock
):
    assert api_client.get(EXPORT).status_code == 401

    answers = [signed_in_client.get(EXPORT).status_code for _ in range(6)]

    assert answers == [200] * 5 + [429]
