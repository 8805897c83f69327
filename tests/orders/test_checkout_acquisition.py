"""POST /api/v1/checkout with where the customer came from: the order keeps the campaign and
the referring site, the person's first touch is kept once (a later checkout, or many at once,
never replace it), bad values are refused writing nothing, and each line keeps the schedule
that priced it."""

from concurrent.futures import ThreadPoolExecutor

import pytest
import requests

from accounts.acquisition import email_hash
from accounts.models import FirstTouch
from orders.models import Order, OrderItem
from pricing.models import PriceSchedule
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, cart, checkout_body
from tests.pricing.factories import live_schedule

pytestmark = pytest.mark.django_db(transaction=True)

FROM_THE_NEWSLETTER = {
    "utm_source": " Newsletter ",
    "utm_medium": "EMAIL",
    "utm_campaign": "Bali  May",
    "referrer": "https://www.Mail.example:443/inbox?id=7",
}


def _acquisition(order):
    return (order.utm_source, order.utm_medium, order.utm_campaign, order.referrer_host)


def test_the_order_and_the_first_touch_record_where_the_customer_came_from(
    api_client, paddle_sandbox
):
    package = PackageFactory.create()

    response = api_client.post(
        CHECKOUT, checkout_body(cart(package), **FROM_THE_NEWSLETTER), format="json"
    )

    assert response.status_code == 201, response.content
    order = Order.objects.get(pk=response.json()["data"]["order_id"])
    assert _acquisition(order) == ("newsletter", "email", "Bali May", "mail.example")
    touch = FirstTouch.objects.get()
    assert touch.email_hash == email_hash("ana@example.com")
    assert (touch.utm_source, touch.utm_campaign, touch.referrer_host) == (
        "newsletter",
        "Bali May",
        "mail.example",
    )
    assert (touch.recorded_by, touch.recorded_at) == ("checkout", order.created_at)


def test_a_second_checkout_is_attributed_to_its_own_campaign_but_keeps_the_first_touch(
    api_client, paddle_sandbox
):
    package = PackageFactory.create()
    api_client.post(CHECKOUT, checkout_body(cart(package), **FROM_THE_NEWSLETTER), format="json")

    again = api_client.post(
        CHECKOUT,
        checkout_body(cart(package), email="ANA@example.com", utm_source="google", referrer=""),
        format="json",
    )

    assert again.status_code == 201, again.content
    second = Order.objects.get(pk=again.json()["data"]["order_id"])
    assert _acquisition(second) == ("google", "", "", "")
    assert FirstTouch.objects.get().utm_source == "newsletter"


def test_a_checkout_without_a_source_is_direct_and_our_own_site_is_no_referrer(
    api_client, paddle_sandbox
):
    package = PackageFactory.create()

    response = api_client.post(
        CHECKOUT,
        checkout_body(cart(package), referrer="http://testserver/checkout"),
        format="json",
    )

    assert response.status_code == 201, response.content
    assert _acquisition(Order.objects.get()) == ("", "", "", "")
    touch = FirstTouch.objects.get()  # a direct visit is a first touch too
    assert (touch.utm_source, touch.referrer_host) == ("", "")


def test_a_signed_in_customers_first_touch_is_kept_under_their_account(
    signed_in_client, customer, paddle_sandbox
):
    package = PackageFactory.create()

    response = signed_in_client.post(
        CHECKOUT,
        checkout_body(cart(package), email="work@example.com", utm_source="partner"),
        format="json",
    )

    assert response.status_code == 201, response.content
    touch = FirstTouch.objects.get()
    assert (touch.email_hash, touch.utm_source) == (email_hash(customer.email), "partner")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("utm_source", "x" * 101),
        ("utm_medium", "m" * 500),
        ("utm_campaign", "spring\x00sale"),
        ("utm_campaign", {"name": "spring"}),
        ("referrer", "javascript:alert(document.cookie)"),
        ("referrer", "not a url at all"),
        ("referrer", "https://" + "a" * 64 + ".example/"),
        ("referrer", "https://example.com/" + "p" * 2048),
    ],
)
def test_a_bad_source_is_refused_in_the_envelope_and_writes_nothing(
    api_client, paddle_sandbox, field, value
):
    package = PackageFactory.create()

    response = api_client.post(
        CHECKOUT, checkout_body(cart(package), **{field: value}), format="json"
    )

    assert response.status_code == 400, response.content
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert field in error["details"]
    assert not Order.objects.exists()
    assert not OrderItem.objects.exists()
    assert not FirstTouch.objects.exists()


def test_checkouts_of_one_person_at_once_all_succeed_and_keep_one_first_touch(
    paddle_sandbox, settings
):
    settings.THROTTLING_ENABLED = False
    package = PackageFactory.create()

    def checkout(n):
        body = checkout_body(cart(package), utm_source="ads", utm_campaign=f"wave-{n}")
        return requests.post(f"{paddle_sandbox.url}{CHECKOUT}", json=body, timeout=30)

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(checkout, range(8)))

    assert [r.status_code for r in responses] == [201] * 8, [r.text for r in responses][:2]
    campaigns = set(Order.objects.values_list("utm_campaign", flat=True))
    assert campaigns == {f"wave-{n}" for n in range(8)}
    [touch] = FirstTouch.objects.all()
    assert touch.utm_campaign in campaigns


def test_each_line_keeps_the_schedule_that_priced_it_even_once_the_schedule_is_gone(
    api_client, paddle_sandbox
):
    on_sale, full_price = PackageFactory.create_batch(2)
    sale = live_schedule(on_sale, schedule_name="Bali Week")
    live_schedule(on_sale, schedule_name="Outranked", priority=-1)

    response = api_client.post(CHECKOUT, checkout_body(cart(on_sale, full_price)), format="json")
    assert response.status_code == 201, response.content
    PriceSchedule.objects.all().delete()

    lines = {item.package_id: item for item in OrderItem.objects.all()}
    assert (lines[on_sale.pk].schedule_name, lines[on_sale.pk].price_schedule_id) == (
        "Bali Week",
        sale.pk,
    )
    assert (lines[full_price.pk].schedule_name, lines[full_price.pk].price_schedule_id) == (
        "",
        None,
    )


def test_the_api_schema_describes_the_source_fields(client):
    schemas = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"][
        "schemas"
    ]

    for name in ("CheckoutInput", "RegisterInput"):
        fields = schemas[name]["properties"]
        assert {"utm_source", "utm_medium", "utm_campaign", "referrer"} <= set(fields), name
        assert fields["utm_source"]["maxLength"] == 100
        assert "host" in fields["referrer"]["description"]
        assert "referrer" not in schemas[name].get("required", [])
