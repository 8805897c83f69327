"""POST /api/v1/checkout/validate-discount: the customer's view of a promo code on a cart."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import StockType, SyncStatus
from pricing.models import DiscountCode, DiscountCodeUsage
from tests.catalog.factories import PackageFactory
from tests.conftest import ThrottleClock
from tests.orders.factories import paid_order
from tests.pricing.factories import DiscountCodeFactory, DiscountCodeUsageFactory, live_schedule

pytestmark = pytest.mark.django_db
URL = "/api/v1/checkout/validate-discount"


def _post(client, code, items, email="ana@example.com", **extra):
    body = {"code": code, "items": items, "email": email}
    return client.post(URL, body, format="json", **extra)


def _item(package, quantity=1):
    return {"packageId": str(package.pk), "quantity": quantity}


def _error(response):
    body = response.json()
    assert body["success"] is False
    return response.status_code, body["error"]["code"], body["error"]["message"]


@pytest.fixture
def item_a():
    """The plan's Item A: $50.00, 10 % off on a live schedule."""
    package = PackageFactory.create(price_usd_cents=5_000, slug="japan-20gb")
    live_schedule(package, schedule_name="Summer Sale", discount_value=1_000)
    return package


def test_the_plans_example_with_its_totals_and_breakdown(api_client, item_a):
    DiscountCodeFactory.create(code="SAVE10", discount_type="fixed", discount_value=1_000)

    response = _post(api_client, "save10", [_item(item_a)])

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["success"] is True
    data = body["data"]
    assert data["valid"] is True
    assert data["code"] == "SAVE10"
    assert data["currency"] == "USD"
    assert (
        data["subtotalCents"],
        data["productDiscountCents"],
        data["discountAmountCents"],
        data["totalCents"],
    ) == (5_000, 500, 1_000, 3_500)
    assert data["discountDetails"] == {"type": "fixed", "value": 1_000, "maxDiscountCents": None}
    assert data["breakdown"] == {
        "lines": [
            {
                "packageId": str(item_a.pk),
                "quantity": 1,
                "unitPriceCents": 5_000,
                "unitDiscountCents": 500,
                "schedule": "Summer Sale",
                "experiment": None,
                "subtotalCents": 5_000,
                "productDiscountCents": 500,
                "codeDiscountCents": 1_000,
                "pointsDiscountCents": 0,
                "totalCents": 3_500,
            }
        ],
        "code": {"code": "SAVE10", "applied": True, "reason": "applied"},
        "points": None,
        "subtotalCents": 5_000,
        "productDiscountCents": 500,
        "codeDiscountCents": 1_000,
        "pointsDiscountCents": 0,
        "totalCents": 3_500,
    }


def test_several_items_are_priced_by_the_server_and_the_code_split_between_them(api_client):
    japan = PackageFactory.create(price_usd_cents=1_000, slug="japan-5gb")
    europe = PackageFactory.create(price_usd_cents=3_000)
    DiscountCodeFactory.create(code="PCT20", discount_value=2_000, max_discount_cents=1_000)

    # By slug and by id; Japan named twice is one line of three.
    items = [
        {"packageId": "japan-5gb", "quantity": 1},
        _item(europe, 2),
        {"packageId": str(japan.pk), "quantity": 2},
    ]
    data = _post(api_client, "PCT20", items).json()["data"]

    assert [(line["packageId"], line["quantity"]) for line in data["breakdown"]["lines"]] == [
        (str(japan.pk), 3),
        (str(europe.pk), 2),
    ]
    # 20 % of $90.00 is $18.00, capped at $10.00, shared 30:60.
    assert (data["subtotalCents"], data["discountAmountCents"], data["totalCents"]) == (
        9_000,
        1_000,
        8_000,
    )
    assert [line["codeDiscountCents"] for line in data["breakdown"]["lines"]] == [333, 667]


REFUSALS = [
    # (code terms, how the request differs, status, error code, message, reason)
    ({"code": "OTHER"}, {}, 400, "INVALID_DISCOUNT", "Invalid discount code", "not_found"),
    (
        {"is_active": False},
        {},
        400,
        "INVALID_DISCOUNT",
        "This code is no longer active",
        "inactive",
    ),
    (
        {"starts_at": "+1d"},
        {},
        400,
        "INVALID_DISCOUNT",
        "This code is not yet active",
        "not_active_yet",
    ),
    ({"expires_at": "-1h"}, {}, 422, "DISCOUNT_EXPIRED", "This code has expired", "expired"),
    (
        {"max_uses": 3, "current_uses": 3},
        {},
        422,
        "DISCOUNT_LIMIT_REACHED",
        "This code has reached its usage limit",
        "usage_limit",
    ),
    (
        {"min_purchase_cents": 4_600},
        {},
        400,
        "INVALID_DISCOUNT",
        "Minimum purchase of $46.00 required",
        "minimum_purchase",
    ),
    (
        {"authenticated_only": True},
        {},
        400,
        "INVALID_DISCOUNT",
        "This code is for registered users only",
        "registered_only",
    ),
    (
        {},
        {"used_by": "ana@example.com"},  # stored normalised; asked as Ana@Example.com
        422,
        "DISCOUNT_LIMIT_REACHED",
        "You have already used this code",
        "already_used",
    ),
    (
        {"applicable_packages": "other"},
        {},
        400,
        "INVALID_DISCOUNT",
        "This code does not apply to these packages",
        "not_applicable",
    ),
    (
        {"stackable_with_product_discount": False},
        {},
        400,
        "INVALID_DISCOUNT",
        "This code cannot be combined with other discounts",
        "not_combinable",
    ),
]


@pytest.mark.parametrize(
    ("terms", "situation", "status", "code", "message", "reason"),
    REFUSALS,
    ids=[refusal[-1] for refusal in REFUSALS],
)
def test_every_refusal_answers_its_code_message_and_reason(
    api_client, item_a, terms, situation, status, code, message, reason
):
    now = timezone.now()
    shifts = {"+1d": timedelta(days=1), "-1h": -timedelta(hours=1)}
    terms = {
        name: now + shifts[value] if value in shifts else value for name, value in terms.items()
    }
    if terms.get("applicable_packages") == "other":
        terms["applicable_packages"] = [PackageFactory.create().pk]
    discount = DiscountCodeFactory.create(**{"code": "SAVE10", **terms})
    if "used_by" in situation:
        DiscountCodeUsageFactory.create(discount=discount, guest_email=situation["used_by"])

    response = _post(api_client, "SAVE10", [_item(item_a)], email="Ana@Example.com")

    assert _error(response) == (status, code, message)
    assert response.json()["error"]["details"]["reason"] == reason


def test_a_signed_in_customer_may_use_a_members_code(signed_in_client, item_a):
    DiscountCodeFactory.create(code="MEMBERS", authenticated_only=True)

    response = _post(signed_in_client, "MEMBERS", [_item(item_a)], email="tia@example.com")

    assert response.status_code == 200
    assert response.json()["data"]["discountAmountCents"] == 450


def test_a_first_purchase_code_works_for_a_customer_who_has_not_bought_yet(
    api_client, signed_in_client, item_a
):
    DiscountCodeFactory.create(code="WELCOME", first_purchase_only=True)

    as_guest = _post(api_client, "WELCOME", [_item(item_a)])
    signed_in = _post(signed_in_client, "WELCOME", [_item(item_a)])

    assert (as_guest.status_code, signed_in.status_code) == (200, 200)
    assert as_guest.json()["data"]["discountAmountCents"] == 450


def test_a_first_purchase_code_is_refused_to_a_returning_customer(
    api_client, signed_in_client, customer, item_a
):
    DiscountCodeFactory.create(code="WELCOME", first_purchase_only=True)
    paid_order(customer_email="ana@example.com")  # Ana bought before, as a guest
    paid_order(user=customer, customer_email="other@example.com")  # so did the signed-in one

    as_guest = _post(api_client, "WELCOME", [_item(item_a)], email=" ANA@example.com")
    signed_in = _post(signed_in_client, "WELCOME", [_item(item_a)], email="new@example.com")

    for response in (as_guest, signed_in):
        assert _error(response)[:2] == (400, "INVALID_DISCOUNT")
        assert response.json()["error"]["details"]["reason"] == "first_purchase_only"


def test_signed_in_the_account_counts_whatever_email_is_given(signed_in_client, customer, item_a):
    code = DiscountCodeFactory.create(code="ONCE")
    DiscountCodeUsageFactory.create(discount=code, user=customer)

    response = _post(signed_in_client, "ONCE", [_item(item_a)], email="new.address@example.com")

    assert _error(response) == (422, "DISCOUNT_LIMIT_REACHED", "You have already used this code")


def test_signing_out_does_not_buy_another_use(api_client, customer, item_a):
    code = DiscountCodeFactory.create(code="ONCE")
    DiscountCodeUsageFactory.create(discount=code, user=customer, guest_email=customer.email)

    response = _post(api_client, "ONCE", [_item(item_a)], email=customer.email.upper())

    assert _error(response)[1] == "DISCOUNT_LIMIT_REACHED"


def test_a_refused_access_token_is_a_401_not_a_guest(api_client, item_a):
    DiscountCodeFactory.create(code="SAVE10")

    response = _post(api_client, "SAVE10", [_item(item_a)], HTTP_AUTHORIZATION="Bearer not.a.token")

    assert _error(response)[:2] == (401, "INVALID_TOKEN")


def test_checking_a_code_spends_nothing(api_client, item_a):
    code = DiscountCodeFactory.create(code="SAVE10", max_uses=5, current_uses=2)

    for _ in range(3):
        assert _post(api_client, "SAVE10", [_item(item_a)]).status_code == 200

    code.refresh_from_db()
    assert code.current_uses == 2
    assert not DiscountCodeUsage.objects.exists()
    assert DiscountCode.objects.count() == 1


# ---------------------------------------------------------------- the cart


def test_an_unknown_package_is_invalid(api_client, item_a):
    DiscountCodeFactory.create(code="SAVE10")
    hidden = PackageFactory.create(is_active=False)

    for key in ("00000000-0000-0000-0000-000000000000", "not-a-uuid-or-slug", str(hidden.pk)):
        response = _post(api_client, "SAVE10", [_item(item_a), {"packageId": key, "quantity": 1}])
        assert _error(response) == (400, "INVALID_PACKAGE", "No such package.")
        assert response.json()["error"]["details"] == {"packageId": key}


def test_a_package_that_cannot_be_bought_now_is_refused_with_why(api_client):
    DiscountCodeFactory.create(code="SAVE10")
    gone = PackageFactory.create(sync_status=SyncStatus.DISCONTINUED)
    later = PackageFactory.create(available_from=timezone.now() + timedelta(days=1))

    discontinued = _post(api_client, "SAVE10", [_item(gone)])
    coming = _post(api_client, "SAVE10", [_item(later)])

    assert _error(discontinued) == (422, "PACKAGE_UNAVAILABLE", "No longer available")
    assert discontinued.json()["error"]["details"] == {
        "packageId": str(gone.pk),
        "reasonCode": "discontinued",
    }
    assert _error(coming) == (422, "PACKAGE_UNAVAILABLE", "Coming soon")


def test_more_than_a_package_allows_per_order_is_refused(api_client):
    DiscountCodeFactory.create(code="SAVE10")
    package = PackageFactory.create(max_per_order=3)

    at_most = _post(api_client, "SAVE10", [_item(package, 3)])
    split_over_two_items = _post(api_client, "SAVE10", [_item(package, 2), _item(package, 2)])

    assert at_most.status_code == 200
    assert _error(split_over_two_items) == (
        400,
        "INVALID_QUANTITY",
        "At most 3 of this package per order.",
    )
    assert split_over_two_items.json()["error"]["details"]["maxPerOrder"] == 3


def test_more_than_is_in_stock_is_refused(api_client):
    DiscountCodeFactory.create(code="SAVE10")
    package = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=2)

    assert _post(api_client, "SAVE10", [_item(package, 2)]).status_code == 200
    assert _error(_post(api_client, "SAVE10", [_item(package, 3)])) == (
        422,
        "INSUFFICIENT_STOCK",
        "Only 2 left in stock.",
    )


def test_the_cart_is_priced_in_the_same_queries_whatever_its_size(api_client):
    DiscountCodeFactory.create(code="SAVE10")
    packages = PackageFactory.create_batch(10)
    for package in packages:
        live_schedule(package)

    def queries_for(count):
        items = [_item(package) for package in packages[:count]]
        with CaptureQueriesContext(connection) as queries:
            assert _post(api_client, "SAVE10", items).status_code == 200
        return len(queries.captured_queries)

    assert queries_for(1) == queries_for(10)


# ---------------------------------------------------------------- bad requests


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"email": None}, "email"),
        ({"email": "not-an-email"}, "email"),
        ({"code": None}, "code"),
        ({"code": ""}, "code"),
        ({"items": None}, "items"),
        ({"items": []}, "items"),
        ({"items": "all"}, "items"),
        ({"items": [{"packageId": "japan-20gb", "quantity": 1}] * 11}, "items"),
        ({"items": [{"packageId": "japan-20gb"}]}, "items"),
        ({"items": [{"packageId": "japan-20gb", "quantity": 0}]}, "items"),
        ({"items": [{"packageId": "japan-20gb", "quantity": "two"}]}, "items"),
    ],
    ids=[
        "no-email",
        "bad-email",
        "no-code",
        "blank-code",
        "no-items",
        "empty-items",
        "items-not-a-list",
        "eleven-items",
        "no-quantity",
        "zero-quantity",
        "quantity-not-a-number",
    ],
)
def test_a_malformed_request_is_a_400_naming_the_field(api_client, item_a, change, field):
    DiscountCodeFactory.create(code="SAVE10")
    body = {"code": "SAVE10", "items": [_item(item_a)], "email": "ana@example.com"}
    body.update(change)
    body = {name: value for name, value in body.items() if value is not None}

    response = api_client.post(URL, body, format="json")

    assert _error(response)[:2] == (400, "VALIDATION_ERROR")
    assert list(response.json()["error"]["details"]) == [field]


def test_broken_json_and_other_content_types_are_refused(api_client):
    broken = api_client.post(URL, data="{not json", content_type="application/json")
    form = api_client.post(URL, {"code": "SAVE10"})  # multipart form data
    get = api_client.get(URL)

    assert _error(broken)[:2] == (400, "MALFORMED_REQUEST")
    assert _error(form)[:2] == (415, "UNSUPPORTED_MEDIA_TYPE")
    assert _error(get)[:2] == (405, "METHOD_NOT_ALLOWED")


# ---------------------------------------------------------------- rate limit


@pytest.mark.usefixtures("throttle_clock")
def test_twenty_checks_a_minute_then_429(api_client, item_a):
    DiscountCodeFactory.create(code="SAVE10")

    answers = [_post(api_client, "NOPE", [_item(item_a)]) for _ in range(20)]
    refused = _post(api_client, "SAVE10", [_item(item_a)])
    other_client = _post(api_client, "SAVE10", [_item(item_a)], REMOTE_ADDR="198.51.100.7")

    assert {answer.status_code for answer in answers} == {400}
    assert answers[0]["X-RateLimit-Limit"] == "20"
    assert answers[-1]["X-RateLimit-Remaining"] == "0"
    assert _error(refused)[:2] == (429, "RATE_LIMITED")
    assert refused["Retry-After"] == "55"
    assert refused["X-RateLimit-Reset"] == str(ThrottleClock.HOUR_START + 60)
    assert other_client.status_code == 200
