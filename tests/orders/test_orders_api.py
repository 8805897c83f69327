"""GET /api/v1/orders and /api/v1/orders/{id}: customers see their own orders, guests their
order with its secret link, and nobody anyone else's (404, never 403)."""

import pytest

from orders.models import hash_access_token
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory, paid_order

pytestmark = pytest.mark.django_db
LIST = "/api/v1/orders"


def test_a_customer_lists_only_their_own_orders_newest_first(signed_in_client, customer):
    older = paid_order(user=customer, order_number="ORD-20261120-AAAAA")
    newer = OrderFactory.create(user=customer, order_number="ORD-20261125-BBBBB")
    OrderFactory.create(user=UserFactory.create(), order_number="ORD-20261125-CCCCC")
    OrderFactory.create(order_number="ORD-20261125-DDDDD")  # a guest's

    data = signed_in_client.get(LIST).json()["data"]

    assert [order["order_number"] for order in data["results"]] == [
        newer.order_number,
        older.order_number,
    ]
    assert data["pagination"]["total"] == 2
    paid_only = signed_in_client.get(LIST, {"status": "paid"}).json()["data"]["results"]
    assert [order["order_number"] for order in paid_only] == [older.order_number]


def test_listing_orders_needs_a_signed_in_customer(api_client):
    response = api_client.get(LIST)

    assert response.status_code == 401


def test_the_owner_sees_an_order_with_its_items_and_pay_link(signed_in_client, customer):
    order = OrderFactory.create(user=customer, paddle_checkout_url="https://pay.example/x")

    data = signed_in_client.get(f"{LIST}/{order.pk}").json()["data"]

    assert (data["order_number"], data["status"], data["checkout_url"]) == (
        order.order_number,
        "pending",
        "https://pay.example/x",
    )
    assert data["pricing"]["total"] == 999


def test_a_guest_opens_their_order_with_its_token_only(api_client):
    order = OrderFactory.create(access_token_hash=hash_access_token("s3cret-link"))

    with_token = api_client.get(f"{LIST}/{order.pk}", {"token": "s3cret-link"})
    wrong_token = api_client.get(f"{LIST}/{order.pk}", {"token": "guess"})
    no_token = api_client.get(f"{LIST}/{order.pk}")

    assert with_token.status_code == 200
    for response in (wrong_token, no_token):
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "ORDER_NOT_FOUND"


def test_another_customers_order_is_not_found_not_forbidden(signed_in_client):
    someone_else = OrderFactory.create(user=UserFactory.create())

    mine_or_not = signed_in_client.get(f"{LIST}/{someone_else.pk}")
    nonsense = signed_in_client.get(f"{LIST}/not-a-uuid")
    missing = signed_in_client.get(f"{LIST}/5b3f0f2e-0000-4000-8000-000000000000")

    assert mine_or_not.status_code == nonsense.status_code == missing.status_code == 404
    assert mine_or_not.json()["error"]["message"] == missing.json()["error"]["message"]


def test_an_orders_esims_are_shown_to_its_token_holder_only(api_client):
    from orders.models import EsimProfile, OrderItem
    from tests.catalog.factories import PackageFactory

    order = OrderFactory.create(access_token_hash=hash_access_token("link"))
    package = PackageFactory.create()
    item = OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name="Japan",
        quantity=1,
        unit_price_cents=999,
        final_unit_price_cents=999,
        total_cents=999,
    )
    EsimProfile.objects.create(
        order=order,
        order_item=item,
        profile_index=1,
        esim_tran_no="T1",
        iccid="8988000000000000001",
        sm_dp_address="smdp.example.com",
        activation_code="K2-MATCHING",
        manual_code="LPA:1$smdp.example.com$K2-MATCHING",
    )

    shown = api_client.get(f"{LIST}/{order.pk}", {"token": "link"}).json()["data"]["profiles"]
    hidden = api_client.get(f"{LIST}/{order.pk}", {"token": "nope"})

    assert [(p["iccid"], p["activation_code"]) for p in shown] == [
        ("8988000000000000001", "K2-MATCHING")
    ]
    assert hidden.status_code == 404 and "K2-MATCHING" not in hidden.content.decode()
