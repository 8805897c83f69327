"""POST /api/v1/checkout: the server prices the order, holds stock and code uses, opens a
Paddle payment at exactly that price; bad input and a Paddle outage leave nothing behind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from catalog.models import EsimPackage, StockType
from hiroam.sandbox.models import PaddleTransaction
from orders.models import IdempotencyKey, Order, OrderItem, OrderStatus, Reservation
from orders.services.expiry import expire_unpaid_orders
from pricing.models import DiscountCode, DiscountCodeUsage
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, cart, checkout_body
from tests.pricing.factories import DiscountCodeFactory, live_schedule

pytestmark = pytest.mark.django_db(transaction=True)


def _nothing_written():
    assert not Order.objects.exists()
    assert not OrderItem.objects.exists()
    assert not DiscountCodeUsage.objects.exists()


def test_a_guest_checkout_is_priced_by_the_server_and_opens_a_paddle_payment(
    api_client, paddle_sandbox
):
    package = PackageFactory.create(price_usd_cents=5_000, name="Japan 20GB")
    live_schedule(package, discount_value=1_000)  # 10 % off: $45.00
    DiscountCodeFactory.create(code="SAVE10", discount_type="fixed", discount_value=1_000)

    response = api_client.post(
        CHECKOUT,
        checkout_body(cart(package), name="Ana", code="save10", unit_price_cents=1),
        format="json",
    )

    assert response.status_code == 201, response.content
    data = response.json()["data"]
    assert data["pricing"] == {
        "subtotal": 5_000,
        "product_discount": 500,
        "code_discount": 1_000,
        "points_discount": 0,
        "total": 3_500,
    }
    assert data["order_number"].startswith(f"ORD-{timezone.now():%Y%m%d}-")
    assert data["checkout_url"].endswith(f"_ptxn={Order.objects.get().paddle_transaction_id}")
    assert len(data["access_token"]) >= 40
    order = Order.objects.get(pk=data["order_id"])
    assert (order.status, order.payment_status, order.reservation) == (
        "pending",
        "pending",
        Reservation.HELD,
    )
    assert order.access_token_hash != data["access_token"]  # only its hash is kept
    mine = api_client.get(f"/api/v1/orders/{order.pk}", {"token": data["access_token"]})
    assert mine.json()["data"]["order_number"] == data["order_number"]
    item = order.items.get()
    assert (
        item.unit_price_cents,
        item.product_discount_cents,
        item.final_unit_price_cents,
        item.total_cents,
        item.code_discount_cents,
    ) == (5_000, 500, 4_500, 4_500, 1_000)
    assert order.pricing_breakdown["total_cents"] == 3_500
    # Paddle charges exactly our total, with the order in custom_data.
    transaction = PaddleTransaction.objects.get(pk=order.paddle_transaction_id)
    assert transaction.data["details"]["totals"]["grand_total"] == "3500"
    assert transaction.data["custom_data"]["order_id"] == str(order.pk)
    # The code's use is held, not yet spent.
    code = DiscountCode.objects.get()
    assert (code.current_uses, code.reserved_uses) == (0, 1)
    assert DiscountCodeUsage.objects.get().status == DiscountCodeUsage.Status.RESERVED


def test_limited_stock_is_held_at_checkout_and_given_back_when_the_order_expires(
    api_client, paddle_sandbox
):
    package = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=5)
    code = DiscountCodeFactory.create(code="TEN", max_uses=3)

    response = api_client.post(
        CHECKOUT, checkout_body(cart(package, quantity=2), code="TEN"), format="json"
    )

    assert response.status_code == 201, response.content
    package.refresh_from_db()
    code.refresh_from_db()
    assert (package.stock_quantity, code.reserved_uses) == (3, 1)

    expired = expire_unpaid_orders(now=timezone.now() + timedelta(hours=2))

    assert expired == 1
    order = Order.objects.get()
    assert (order.status, order.reservation) == (OrderStatus.EXPIRED, Reservation.RELEASED)
    package.refresh_from_db()
    code.refresh_from_db()
    assert (package.stock_quantity, code.reserved_uses, code.current_uses) == (5, 0, 0)
    assert DiscountCodeUsage.objects.get().status == DiscountCodeUsage.Status.RELEASED
    assert expire_unpaid_orders(now=timezone.now() + timedelta(hours=3)) == 0  # once


def test_an_order_still_in_its_window_does_not_expire(api_client, paddle_sandbox):
    package = PackageFactory.create()
    api_client.post(CHECKOUT, checkout_body(cart(package)), format="json")

    assert expire_unpaid_orders(now=timezone.now() + timedelta(minutes=59)) == 0
    assert Order.objects.get().status == OrderStatus.PENDING


def test_paddle_down_fails_the_order_releases_its_holds_and_says_retry(
    api_client, paddle_sandbox, settings
):
    from hiroam.integrations.paddle import paddle_client

    settings.PADDLE_API_URL = "http://127.0.0.1:1/paddle"  # nothing listens there
    paddle_client.cache_clear()
    package = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=5)
    DiscountCodeFactory.create(code="TEN", max_uses=3)

    response = api_client.post(CHECKOUT, checkout_body(cart(package), code="TEN"), format="json")

    assert response.status_code == 503
    assert response.json()["error"]["code"] == "PADDLE_ERROR"
    assert int(response["Retry-After"]) > 0
    order = Order.objects.get()
    assert (order.status, order.reservation) == (OrderStatus.FAILED, Reservation.RELEASED)
    package.refresh_from_db()
    assert package.stock_quantity == 5
    assert DiscountCode.objects.get().reserved_uses == 0


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"email": "ana@example.com"}, 400, "VALIDATION_ERROR"),  # no items
        ({"items": [], "email": "ana@example.com"}, 400, "VALIDATION_ERROR"),
        ({"items": "JP", "email": "ana@example.com"}, 400, "VALIDATION_ERROR"),
        ({"items": [{"packageId": "x", "quantity": 1}] * 11, "email": "a@b.co"}, 400, None),
        ({"items": [{"packageId": "nope", "quantity": 1}], "email": "a@b.co"}, 400, None),
        ({"items": [{"packageId": "PKG", "quantity": 0}], "email": "a@b.co"}, 400, None),
        ({"items": [{"packageId": "PKG", "quantity": "two"}], "email": "a@b.co"}, 400, None),
        ({"items": [{"packageId": "PKG", "quantity": 1}], "email": "not-an-email"}, 400, None),
        ({"items": [{"packageId": "PKG", "quantity": 1}]}, 400, None),  # no email
        (
            {"items": [{"packageId": "PKG", "quantity": 1}], "email": "a@b.co", "code": "NOPE"},
            400,
            "INVALID_DISCOUNT",
        ),
    ],
)
def test_bad_input_is_refused_in_the_envelope_and_writes_nothing(
    api_client, paddle_sandbox, body, status, code
):
    package = PackageFactory.create(slug="pkg")
    for item in body.get("items") if isinstance(body.get("items"), list) else []:
        if item["packageId"] == "PKG":
            item["packageId"] = str(package.pk)

    response = api_client.post(CHECKOUT, body, format="json")

    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert error["code"] in ({code} if code else {"VALIDATION_ERROR", "INVALID_PACKAGE"})
    _nothing_written()


def test_more_than_the_package_allows_per_order_is_refused(api_client, paddle_sandbox):
    package = PackageFactory.create(max_per_order=3)

    response = api_client.post(CHECKOUT, checkout_body(cart(package, quantity=4)), format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (400, "INVALID_QUANTITY")
    _nothing_written()


def test_a_package_that_cannot_be_bought_is_refused(api_client, paddle_sandbox):
    package = PackageFactory.create(is_available=False, unavailable_reason="Coming back soon")

    response = api_client.post(CHECKOUT, checkout_body(cart(package)), format="json")

    assert (response.status_code, response.json()["error"]["code"]) == (422, "PACKAGE_UNAVAILABLE")
    _nothing_written()


def test_bad_json_and_wrong_content_type_are_refused(api_client, paddle_sandbox):
    broken = api_client.post(CHECKOUT, "{not json", content_type="application/json")
    form = api_client.post(CHECKOUT, "items=1", content_type="application/x-www-form-urlencoded")

    assert (broken.status_code, broken.json()["error"]["code"]) == (400, "MALFORMED_REQUEST")
    assert (form.status_code, form.json()["error"]["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")
    _nothing_written()


def test_the_same_idempotency_key_returns_the_first_answer(api_client, paddle_sandbox):
    package = PackageFactory.create()
    body = checkout_body(cart(package))

    first = api_client.post(CHECKOUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = api_client.post(CHECKOUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    other_body = api_client.post(
        CHECKOUT,
        checkout_body(cart(package, quantity=2)),
        format="json",
        HTTP_IDEMPOTENCY_KEY="k-1",
    )
    no_key = api_client.post(CHECKOUT, body, format="json")

    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert (other_body.status_code, other_body.json()["error"]["code"]) == (409, "CONFLICT")
    assert no_key.status_code == 201
    assert Order.objects.count() == 2  # the first and the one without a key
    assert IdempotencyKey.objects.get().response_status == 201


def test_a_failed_checkout_can_be_retried_with_the_same_key(api_client, paddle_sandbox, settings):
    from hiroam.integrations.paddle import paddle_client

    package = PackageFactory.create()
    body = checkout_body(cart(package))
    good_url = settings.PADDLE_API_URL
    settings.PADDLE_API_URL = "http://127.0.0.1:1/paddle"
    paddle_client.cache_clear()
    failed = api_client.post(CHECKOUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    settings.PADDLE_API_URL = good_url
    paddle_client.cache_clear()

    retried = api_client.post(CHECKOUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k-2")

    assert (failed.status_code, retried.status_code) == (503, 201)
    assert Order.objects.filter(status=OrderStatus.PENDING).count() == 1


def test_the_price_is_the_servers_whatever_the_client_sends(api_client, paddle_sandbox):
    package = PackageFactory.create(price_usd_cents=999)
    body = checkout_body(cart(package))
    body["items"][0]["price"] = 1
    body["total"] = 1

    response = api_client.post(CHECKOUT, body, format="json")

    assert response.json()["data"]["pricing"]["total"] == 999
    assert EsimPackage.objects.get().price_usd_cents == 999


def test_a_checkout_costs_the_same_queries_for_one_package_or_ten(api_client, paddle_sandbox):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    packages = PackageFactory.create_batch(10)

    def queries_for(count):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.post(
                CHECKOUT,
                checkout_body(cart(*packages[:count]), email=f"n{count}@example.com"),
                format="json",
            )
        assert response.status_code == 201
        # The live server's sandbox answers Paddle in other threads: only ours are counted.
        return len(queries.captured_queries)

    one, ten = queries_for(1), queries_for(10)

    assert one == ten == 14  # the first touch is one INSERT ... ON CONFLICT DO NOTHING


@pytest.mark.usefixtures("throttle_clock")
def test_checkouts_are_limited_per_client_and_per_email(paddle_sandbox, settings):
    from rest_framework.test import APIClient

    settings.THROTTLE_RATES = {
        **settings.THROTTLE_RATES,
        "checkout": "3/min",
        "checkout_email": "2/min",
    }
    package = PackageFactory.create()
    first_client, second_client = APIClient(), APIClient(REMOTE_ADDR="10.0.0.2")

    answers = [
        first_client.post(CHECKOUT, checkout_body(cart(package), email=email), format="json")
        for email in ("a@example.com", "a@example.com", "A@example.com ")
    ]
    elsewhere = second_client.post(
        CHECKOUT, checkout_body(cart(package), email="a@example.com"), format="json"
    )

    assert [answer.status_code for answer in answers] == [201, 201, 429]
    assert elsewhere.status_code == 429  # the same email from another client
    assert int(answers[2]["Retry-After"]) > 0
    assert Order.objects.count() == 2


def test_one_order_that_cannot_be_released_does_not_stop_the_others_expiring(
    api_client, paddle_sandbox
):
    package = PackageFactory.create()
    for email in ("a@example.com", "b@example.com"):
        api_client.post(CHECKOUT, checkout_body(cart(package), email=email), format="json")
    broken, fine = Order.objects.order_by("created_at")
    DiscountCode.objects.create(code="X", name="x", discount_type="fixed", discount_value=1)
    # A drifted count: releasing this order's code use would go below zero.
    Order.objects.filter(pk=broken.pk).update(discount_code=DiscountCode.objects.get())

    expired = expire_unpaid_orders(now=timezone.now() + timedelta(hours=2))

    assert expired == 1
    broken.refresh_from_db()
    fine.refresh_from_db()
    assert fine.status == OrderStatus.EXPIRED
    assert (broken.status, broken.needs_review) == (OrderStatus.PENDING, True)
    assert "Could not expire" in broken.review_reason


def test_the_stored_answer_of_a_checkout_holds_no_secret_and_a_dead_claim_is_taken_over(
    api_client, paddle_sandbox
):
    package = PackageFactory.create()
    body = checkout_body(cart(package))
    first = api_client.post(CHECKOUT, body, format="json", HTTP_IDEMPOTENCY_KEY="k-3")

    stored = IdempotencyKey.objects.get()
    assert (stored.response_body or {})["access_token"] is None
    assert first.json()["data"]["access_token"] not in str(stored.response_body)
    # A claim whose request died before answering is taken over after a while.
    IdempotencyKey.objects.create(
        key="k-4",
        endpoint="checkout",
        request_hash="x" * 64,
        created_at=timezone.now() - timedelta(minutes=5),
        expires_at=timezone.now() + timedelta(hours=23),
    )
    other = checkout_body(cart(package), email="b@example.com")
    taken_over = api_client.post(CHECKOUT, other, format="json", HTTP_IDEMPOTENCY_KEY="k-4")
    assert taken_over.status_code == 201
