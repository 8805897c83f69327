"""How the shop attributes a visit: the campaign of the landing page (utm_*) or the other site
that sent the visitor is kept in the session, the latest one wins, a direct visit or our own
pages change nothing, and Pay and sign-up record it."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.acquisition import email_hash
from accounts.models import FirstTouch
from orders.models import Order
from storefront.visitor import TOUCH_KEY
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db

INSTAGRAM = "/?utm_source=Instagram&utm_medium=Social&utm_campaign=Bali-May"


def _pay(client, package, email="ana@example.com"):
    client.post("/basket/add", {"package": str(package.pk), "quantity": 1})
    response = client.post(
        "/checkout", {"email": email, "name": "Ana", "nonce": "form-1", "action": "pay"}
    )
    assert response.status_code == 302, response.content.decode()
    return Order.objects.get(customer_email=email)


def _source(order):
    return (order.utm_source, order.utm_medium, order.utm_campaign, order.referrer_host)


@pytest.mark.django_db(transaction=True)
def test_an_order_is_attributed_to_the_campaign_the_visitor_landed_from(paddle_sandbox):
    client = Client()
    package = PackageFactory.create()
    assert client.get(INSTAGRAM).status_code == 200
    # Browsing on: our own pages refer to each other, and that changes nothing.
    client.get(f"/packages/{package.pk}", HTTP_REFERER="http://testserver/")

    order = _pay(client, package)

    assert _source(order) == ("instagram", "social", "Bali-May", "")
    touch = FirstTouch.objects.get(email_hash=email_hash("ana@example.com"))
    assert (touch.utm_source, touch.utm_campaign, touch.recorded_by) == (
        "instagram",
        "Bali-May",
        "checkout",
    )


@pytest.mark.django_db(transaction=True)
def test_an_order_from_another_sites_link_records_that_sites_host(paddle_sandbox):
    client = Client()
    package = PackageFactory.create()
    client.get("/packages", HTTP_REFERER="https://www.Google.com/search?q=bali+esim")

    order = _pay(client, package)

    assert _source(order) == ("", "", "", "google.com")


@pytest.mark.django_db(transaction=True)
def test_a_visit_only_ever_from_our_own_pages_is_direct(paddle_sandbox):
    client = Client()
    package = PackageFactory.create()
    client.get("/packages", HTTP_REFERER="http://testserver/")
    client.get("/packages", HTTP_REFERER="https://localhost/packages?utm_nothing=1")

    order = _pay(client, package)

    assert _source(order) == ("", "", "", "")
    assert TOUCH_KEY not in client.session


def test_the_latest_campaign_wins_and_a_direct_visit_keeps_it(client):
    client.get(INSTAGRAM)
    client.get("/packages?utm_source=newsletter&utm_campaign=spring")
    client.get("/packages")  # typed in, or a bookmark
    client.get("/packages", HTTP_REFERER="http://testserver/basket")

    assert client.session[TOUCH_KEY] == {
        "source": "newsletter",
        "medium": "",
        "campaign": "spring",
        "referrer_host": "",
    }


def test_only_the_shops_pages_note_a_source(client):
    client.get("/api/v1/packages?utm_source=api-fuzz", HTTP_REFERER="https://elsewhere.example/")

    assert TOUCH_KEY not in client.session


def test_signing_up_records_the_first_touch_of_the_visit(client):
    client.get("/packages", HTTP_REFERER="https://travel-blog.example/bali")

    response = client.post(
        "/account/sign-up",
        {"email": "Ana@Example.com", "password": "sunrise over Bali 2026", "full_name": "Ana"},
    )

    assert response.status_code == 302, response.content.decode()
    touch = FirstTouch.objects.get()
    assert touch.email_hash == email_hash("ana@example.com")
    assert (touch.referrer_host, touch.recorded_by) == ("travel-blog.example", "sign_up")


def test_pages_reached_from_our_own_pages_cost_no_extra_query(client):
    PackageFactory.create()
    client.get(INSTAGRAM)  # the touch is already kept: nothing more to write

    def queries(**headers) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/packages", **headers).status_code == 200
        return len(captured)

    queries()  # the page's cards are rendered and cached once
    plain = queries()
    assert queries(HTTP_REFERER="http://testserver/") == plain
    assert queries(HTTP_REFERER="https://elsewhere.example/") > plain  # the session saved
    assert queries(HTTP_REFERER="https://elsewhere.example/") == plain  # the same touch again
