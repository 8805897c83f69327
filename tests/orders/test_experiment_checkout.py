"""A price experiment as a traveller meets it: the variant's price shown in the app and in the
shop is the price charged, the order keeps which variant priced it, signing in keeps the guest's
prices, and a paid order counts as a conversion until it is refunded."""

import re

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from accounts.visitors import GUEST_COOKIE, GUEST_COOKIE_SALT
from orders.models import Order, OrderItem, WebhookLog
from orders.services.payments import process_paddle_event
from pricing.experiments.live import live_experiments
from pricing.models import ExperimentAssignment, ExperimentConversion, PriceVariant
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.catalog.factories import PackageFactory
from tests.orders.conftest import CHECKOUT, WEBHOOK, cart, checkout_body, paddle_event, signed
from tests.pricing.factories import running_experiment
from tests.storefront.test_basket_and_checkout import add, checkout

LOWER = "10% lower"


def _guest_on(variant_name: str, prefix: str = "guest") -> str:
    """A guest id the running experiment shows `variant_name`."""
    (experiment,) = live_experiments(timezone.now())
    return next(
        guest
        for n in range(1_000)
        if experiment.variant_for(f"g:{(guest := f'{prefix}-{n:012d}')}").name == variant_name
    )


def _final_price(page: str) -> str:
    found = re.search(r'data-testid="final-price">([^<]+)<', page)
    assert found, "no price on the page"
    return found.group(1)


def _signed_cookie(guest: str) -> str:
    """The shop's guest cookie as the middleware signs it."""
    return signing.get_cookie_signer(salt=GUEST_COOKIE + GUEST_COOKIE_SALT).sign(guest)


def _other_than_accounts_own(customer) -> tuple[str, str]:
    """The variant the account's own id would not get, and a guest id on it: what the account
    shows then can only have come from the guest."""
    (experiment,) = live_experiments(timezone.now())
    own = experiment.variant_for(f"u:{customer.pk}").name
    other = LOWER if own != LOWER else "Control"
    return other, _guest_on(other)


PRICES = {LOWER: 900, "Control": 1_000}


def _japan_test(price_usd_cents=1_000):
    package = PackageFactory.create(price_usd_cents=price_usd_cents, name="Japan 5GB")
    experiment = running_experiment(packages=[package])
    return package, experiment


@pytest.mark.django_db(transaction=True)
def test_the_apps_price_for_a_visitor_is_the_price_charged_and_the_order_names_the_variant(
    api_client, paddle_sandbox
):
    package, experiment = _japan_test()
    lower = PriceVariant.objects.get(experiment=experiment, name=LOWER)
    app = {"HTTP_X_VISITOR_ID": _guest_on(LOWER)}

    shown = api_client.get(f"/api/v1/packages/{package.pk}", **app).json()["data"]["pricing"]
    anyone = api_client.get(f"/api/v1/packages/{package.pk}").json()["data"]["pricing"]
    placed = api_client.post(CHECKOUT, checkout_body(cart(package)), format="json", **app)

    assert (anyone["finalPrice"], shown["finalPrice"]) == (1_000, 900)
    # A price test's price is the visitor's price, not a sale: nothing struck through.
    assert (shown["originalPrice"], shown["hasDiscount"], shown["discountLabel"]) == (
        900,
        False,
        None,
    )
    assert placed.status_code == 201, placed.content
    assert placed.json()["data"]["pricing"]["total"] == 900
    order = Order.objects.get()
    assert order.total_cents == 900
    item = OrderItem.objects.get()
    assert (item.experiment_id, item.experiment_variant_id) == (experiment.pk, lower.pk)
    assert placed.json()["data"]["breakdown"]["lines"][0]["experiment"] == {
        "experimentId": str(experiment.pk),
        "experiment": experiment.name,
        "variantId": str(lower.pk),
        "variant": LOWER,
    }


@pytest.mark.django_db(transaction=True)
def test_the_shops_price_for_a_browser_is_the_price_charged(paddle_sandbox):
    package, _ = _japan_test()
    shopper = Client()
    guest = _guest_on(LOWER)
    shopper.cookies[GUEST_COOKIE] = _signed_cookie(guest)

    page = shopper.get(f"/packages/{package.slug}").content.decode()
    add(shopper, package)
    basket = shopper.get("/basket").content.decode()
    paid = checkout(shopper, action="pay")

    assert _final_price(page) == "$9.00" and "$9.00" in basket
    assert 'data-testid="regular-price"' not in page  # not shown as a discount
    assert paid.status_code == 302
    assert Order.objects.get().total_cents == 900


@pytest.mark.django_db
def test_a_browser_without_the_cookie_gets_one_and_keeps_its_price():
    package, _ = _japan_test()
    shopper = Client()

    first = shopper.get(f"/packages/{package.slug}")
    cookie = first.cookies[GUEST_COOKIE]
    again = shopper.get(f"/packages/{package.slug}")

    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert GUEST_COOKIE not in again.cookies  # kept, not replaced
    assert _final_price(first.content.decode()) in {"$9.00", "$10.00"}
    assert _final_price(again.content.decode()) == _final_price(first.content.decode())


@pytest.mark.django_db
def test_a_guests_variant_follows_them_into_their_account_in_the_app(api_client):
    package, _ = _japan_test()
    customer = UserFactory.create(email="ana@example.com")
    variant, guest = _other_than_accounts_own(customer)
    signed_in = api_client.post(
        "/api/v1/auth/login",
        {"email": "ana@example.com", "password": DEFAULT_PASSWORD},
        format="json",
        HTTP_X_VISITOR_ID=guest,
    )
    token = signed_in.json()["data"]["access"]

    shown = api_client.get(
        f"/api/v1/packages/{package.pk}", HTTP_AUTHORIZATION=f"Bearer {token}"
    ).json()["data"]["pricing"]

    kept = ExperimentAssignment.objects.get(visitor=f"u:{customer.pk}")
    assert (kept.variant.name, kept.carried_over) == (variant, True)
    assert shown["finalPrice"] == PRICES[variant]


@pytest.mark.django_db
def test_a_guests_variant_follows_them_into_their_account_in_the_shop():
    package, _ = _japan_test()
    customer = UserFactory.create(email="ana@example.com")
    variant, guest = _other_than_accounts_own(customer)
    shopper = Client()
    shopper.cookies[GUEST_COOKIE] = _signed_cookie(guest)

    shopper.post("/account/sign-in", {"email": customer.email, "password": DEFAULT_PASSWORD})

    assert ExperimentAssignment.objects.get(visitor=f"u:{customer.pk}").variant.name == variant
    page = shopper.get(f"/packages/{package.slug}").content.decode()
    assert _final_price(page) == f"${PRICES[variant] / 100:.2f}"


@pytest.mark.django_db
def test_an_accounts_own_variant_is_never_replaced_by_a_guests(api_client):
    _, experiment = _japan_test()
    customer = UserFactory.create(email="ana@example.com")
    control = PriceVariant.objects.get(experiment=experiment, is_control=True)
    ExperimentAssignment.objects.create(
        experiment=experiment, variant=control, visitor=f"u:{customer.pk}"
    )

    api_client.post(
        "/api/v1/auth/login",
        {"email": "ana@example.com", "password": DEFAULT_PASSWORD},
        format="json",
        HTTP_X_VISITOR_ID=_guest_on(LOWER),
    )

    assert ExperimentAssignment.objects.get(visitor=f"u:{customer.pk}").variant == control


def _deliver(client, payload):
    body, headers = signed(payload)
    assert client.post(WEBHOOK, body, content_type="application/json", **headers).status_code == 200
    for log in WebhookLog.objects.filter(processed=False).order_by("created_at"):
        process_paddle_event(log.pk, timezone.now())


@pytest.mark.django_db(transaction=True)
def test_a_paid_order_converts_once_and_its_refund_takes_the_conversion_back(
    api_client, paddle_sandbox
):
    package, experiment = _japan_test()
    app = {"HTTP_X_VISITOR_ID": _guest_on(LOWER)}
    placed = api_client.post(
        CHECKOUT, checkout_body(cart(package, quantity=2)), format="json", **app
    )
    order = Order.objects.get(pk=placed.json()["data"]["order_id"])
    paid = paddle_event(
        "transaction.completed", order, event_id="evt_paid", occurred_at=timezone.now().isoformat()
    )

    _deliver(api_client, paid)
    _deliver(api_client, {**paid, "event_id": "evt_paid_again"})  # Paddle says it twice

    conversion = ExperimentConversion.objects.get()
    assert (conversion.units, conversion.revenue_minor, conversion.visitor) == (
        2,
        1_800,
        f"g:{app['HTTP_X_VISITOR_ID']}",
    )
    assert conversion.reversed_at is None

    order.refresh_from_db()
    _deliver(
        api_client,
        {
            "event_id": "evt_refund",
            "event_type": "adjustment.updated",
            "occurred_at": timezone.now().isoformat(),
            "notification_id": "ntf_refund",
            "data": {
                "id": "adj_01",
                "action": "refund",
                "type": "full",
                "transaction_id": order.paddle_transaction_id,
                "reason": "Trip cancelled",
                "status": "approved",
                "currency_code": "USD",
                "totals": {"subtotal": "1800", "total": "1800"},
            },
        },
    )

    conversion.refresh_from_db()
    assert conversion.reversed_at is not None
    assert experiment.pk == conversion.experiment_id
