"""The basket and the checkout as a shopper meets them: lines and totals, the promo code's
verdicts in the plan's own words, and "Pay" placing the order through the checkout service."""

import pytest
from django.test import Client

from catalog.models import EsimPackage
from orders.models import Order, OrderStatus
from pricing.models import DiscountCodeUsage
from storefront.basket import SESSION_KEY
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db


def add(client, package, quantity=1):
    return client.post("/basket/add", {"package": str(package.pk), "quantity": quantity})


def test_two_lines_are_priced_together_and_quantities_change(client):
    five = PackageFactory.create(name="Japan 5GB", price_usd_cents=1_000)
    one = PackageFactory.create(name="Japan 1GB", price_usd_cents=450)

    assert add(client, five, 2)["Location"] == "/basket"
    add(client, one)
    page = client.get("/basket").content.decode()
    assert "Japan 5GB" in page and "Japan 1GB" in page
    assert "$24.50" in page  # 2 x $10.00 + $4.50

    client.post("/basket/update", {"package": str(five.pk), "quantity": 1})
    assert "$14.50" in client.get("/basket").content.decode()
    client.post("/basket/update", {"package": str(one.pk), "quantity": 1, "remove": "1"})
    assert client.session[SESSION_KEY] == [{"package": str(five.pk), "quantity": 1}]


def test_a_basket_holds_ten_different_esims_at_most(client):
    packages = PackageFactory.create_batch(11)
    for package in packages:
        add(client, package)
    assert len(client.session[SESSION_KEY]) == 10
    page = client.get("/basket").content.decode()
    assert "at most 10 different eSIMs" in page


def test_more_than_a_package_allows_blocks_paying_and_says_why(client):
    package = PackageFactory.create(name="Japan 5GB", max_per_order=2)
    add(client, package, 3)

    page = client.get("/basket").content.decode()
    assert "Japan 5GB: At most 2 of this package per order." in page
    assert 'data-testid="checkout-button"' not in page


def checkout(client, **fields):
    body = {"email": "ana@example.com", "name": "Ana", "nonce": "form-1", **fields}
    return client.post("/checkout", body)


def test_a_package_that_leaves_the_shop_leaves_the_basket_and_the_rest_can_be_bought(client):
    gone = PackageFactory.create(name="Japan 5GB")
    kept = PackageFactory.create(name="Japan 1GB", price_usd_cents=450)
    add(client, gone)
    add(client, kept)
    EsimPackage.objects.filter(pk=gone.pk).update(is_active=False)

    page = client.get("/basket").content.decode()

    assert "no longer sold and was taken out" in page
    assert page.count('<li class="line">') == 1 and "$4.50" in page
    assert 'data-testid="checkout-button"' in page
    assert client.session[SESSION_KEY] == [{"package": str(kept.pk), "quantity": 1}]


def test_a_package_added_by_its_slug_is_one_line_by_id(client):
    package = PackageFactory.create(slug="japan-5gb")
    client.post("/basket/add", {"package": "japan-5gb", "quantity": 1})
    add(client, package)
    assert client.session[SESSION_KEY] == [{"package": str(package.pk), "quantity": 2}]


def test_signed_in_customers_see_their_points_in_the_totals_without_a_code(client):
    from django.utils import timezone

    from points import services as points

    customer = UserFactory.create()
    points.adjust(user_id=customer.pk, points=500, note="welcome", by=None, now=timezone.now())
    client.force_login(customer)
    add(client, PackageFactory.create(price_usd_cents=2_000))

    page = checkout(client, points=500, action="apply").content.decode()

    assert "Points (500)" in page and "-$5.00" in page and "$15.00" in page


def test_a_valid_code_updates_the_totals_and_an_invalid_one_says_why_writing_nothing(client):
    package = PackageFactory.create(price_usd_cents=1_000)
    DiscountCodeFactory.create(code="SAVE10", discount_value=1_000)
    add(client, package, 2)

    applied = checkout(client, code="save10", action="apply").content.decode()
    assert "Promo code applied." in applied
    assert "-$2.00" in applied and "$18.00" in applied

    refused = checkout(client, code="NOPE", action="apply").content.decode()
    assert "Invalid discount code" in refused
    assert 'id="id_code_error"' in refused  # beside the field it concerns
    assert "$20.00" in refused
    assert Order.objects.count() == 0 and DiscountCodeUsage.objects.count() == 0


def test_a_bad_email_is_shown_beside_its_field(client):
    add(client, PackageFactory.create())
    page = checkout(client, email="not-an-email", action="pay")
    assert page.status_code == 200
    assert 'id="id_email_error"' in page.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_pay_places_the_order_and_sends_the_browser_to_paddle(paddle_sandbox):
    client = Client()
    package = PackageFactory.create(price_usd_cents=1_000)
    DiscountCodeFactory.create(code="SAVE10", discount_value=1_000)
    add(client, package, 2)

    paid = checkout(client, code="SAVE10", action="pay")
    again = checkout(client, code="SAVE10", action="pay")  # a double click: the same form

    order = Order.objects.get()
    assert again.status_code == 302 and again["Location"] == order.paddle_checkout_url
    assert paid.status_code == 302
    assert paid["Location"] == order.paddle_checkout_url
    assert paid["Location"].startswith(f"{paddle_sandbox.url}/sandbox/paddle/checkout")
    assert (order.status, order.total_cents, order.code_discount_cents) == (
        OrderStatus.PENDING,
        1_800,
        200,
    )
    assert client.session[SESSION_KEY] == []  # the basket became the order
    # The browser that placed it opens it without the secret link; another does not.
    assert client.get(f"/orders/{order.pk}").status_code == 200
    assert Client().get(f"/orders/{order.pk}").status_code == 404


def test_forms_refuse_a_post_without_the_csrf_token():
    package = PackageFactory.create()
    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/basket/add", {"package": str(package.pk), "quantity": 1})
    assert response.status_code == 403
    assert SESSION_KEY not in strict.session


def test_paying_too_often_is_slowed_down_with_the_apis_limit(client, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "checkout": "0/min"}
    add(client, PackageFactory.create())
    limited = checkout(client, action="pay")
    assert limited.status_code == 429
    assert "Please wait" in limited.content.decode()
    assert Order.objects.count() == 0


@pytest.mark.parametrize("path", ["/basket", "/checkout"])
def test_the_basket_and_checkout_cost_the_same_queries_for_one_or_ten_lines(client, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.pricing.factories import live_schedule

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    add(client, live_schedule(PackageFactory.create()).package)
    queries()  # warms the shared caches (the live schedules and experiments)
    one = queries()
    for package in PackageFactory.create_batch(9):
        live_schedule(package)
        add(client, package, 2)
    assert queries() == one
