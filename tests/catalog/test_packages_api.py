"""GET /api/v1/packages and /api/v1/packages/{id or slug}."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.models import SyncStatus
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/packages"


def _codes(response):
    assert response.status_code == 200, response.content
    return [package["package_code"] for package in response.json()["data"]["packages"]]


@pytest.fixture
def shop():
    return {
        "japan": PackageFactory.create(
            package_code="JP5",
            slug="jp-5",
            name="Japan 5GB",
            price_usd_cents=500,
            price_idr=80_000,
            volume_bytes=5 * 1024**3,
            duration=30,
            is_featured=True,
            sort_order=1,
        ),
        "japan_daily": PackageFactory.create(
            package_code="JPD",
            name="Japan daily 1GB",
            price_usd_cents=900,
            price_idr=145_000,
            volume_bytes=1024**3,
            duration=7,
            data_type=2,
            sort_order=2,
        ),
        "europe": PackageFactory.create(
            package_code="EU10",
            name="Europe 10GB",
            location_codes=["FR", "DE", "JP"],
            coverage="regional",
            region="europe",
            auto_category="europe",
            price_usd_cents=1500,
            price_idr=240_000,
            volume_bytes=10 * 1024**3,
            duration=15,
        ),
        "hidden": PackageFactory.create(package_code="HID", is_active=False),
        "gone": PackageFactory.create(package_code="GONE", sync_status=SyncStatus.DISCONTINUED),
    }


def test_the_list_shows_active_packages_with_pricing_availability_and_facets(api_client, shop):
    response = api_client.get(LIST)

    assert _codes(response) == ["EU10", "JP5", "JPD"]  # sort order 0, 1, 2
    data = response.json()["data"]
    assert data["total"] == 3
    japan = next(p for p in data["packages"] if p["package_code"] == "JP5")
    assert japan["pricing"] == {
        "currency": "USD",
        "originalPrice": 500,
        "finalPrice": 500,
        "hasDiscount": False,
        "discountLabel": None,
        "savingsAmount": 0,
        "scheduleName": None,
        "badgeText": None,
        "badgeColor": None,
        "discountEndsAt": None,
        "lowestPrice30Days": None,
    }
    assert japan["availability"]["isPurchasable"] is True
    assert data["filters"]["categories"] == ["asia", "europe"]
    assert data["filters"]["regions"] == ["asia", "europe"]
    assert data["filters"]["priceRange"] == {"min": 500, "max": 1500, "currency": "USD"}


def test_an_unavailable_package_is_listed_as_not_purchasable_with_the_reason(api_client, shop):
    shop["japan"].is_available, shop["japan"].unavailable_reason = False, "Network upgrade"
    shop["japan"].save()

    japan = next(
        p for p in api_client.get(LIST).json()["data"]["packages"] if p["package_code"] == "JP5"
    )

    assert japan["availability"] == {
        "isPurchasable": False,
        "reason": "Network upgrade",
        "reasonCode": "unavailable",
        "availableAt": None,
        "stockRemaining": None,
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"country": "jp"}, ["EU10", "JP5", "JPD"]),
        ({"country": "FR"}, ["EU10"]),
        ({"region": "asia"}, ["JP5", "JPD"]),
        ({"category": "europe"}, ["EU10"]),
        ({"featured": "true"}, ["JP5"]),
        ({"min_price": 600}, ["EU10", "JPD"]),
        ({"max_price": 900}, ["JP5", "JPD"]),
        ({"currency": "IDR", "max_price": 100_000}, ["JP5"]),
        ({"q": "daily"}, ["JPD"]),
        ({"q": "jp-5"}, ["JP5"]),
        ({"data_type": 2}, ["JPD"]),
        ({"sort": "price"}, ["JP5", "JPD", "EU10"]),
        ({"sort": "-price"}, ["EU10", "JPD", "JP5"]),
        ({"sort": "-volume"}, ["EU10", "JP5", "JPD"]),
        ({"sort": "duration"}, ["JPD", "EU10", "JP5"]),
    ],
)
def test_filters_and_sorts(api_client, shop, query, expected):
    assert _codes(api_client.get(LIST, query)) == expected


def test_an_admin_category_overrides_the_derived_one(api_client, shop):
    shop["japan"].category_override = "staff-picks"
    shop["japan"].save()

    assert _codes(api_client.get(LIST, {"category": "staff-picks"})) == ["JP5"]
    assert _codes(api_client.get(LIST, {"category": "asia"})) == ["JPD"]


def test_prices_in_idr(api_client, shop):
    japan = next(
        p
        for p in api_client.get(LIST, {"currency": "IDR"}).json()["data"]["packages"]
        if p["package_code"] == "JP5"
    )

    assert (japan["pricing"]["currency"], japan["pricing"]["finalPrice"]) == ("IDR", 80_000)


def test_pagination(api_client, shop):
    response = api_client.get(LIST, {"page_size": 2, "page": 2})

    assert _codes(response) == ["JPD"]
    assert response.json()["data"]["pagination"] == {
        "page": 2,
        "page_size": 2,
        "total": 3,
        "total_pages": 2,
    }


@pytest.mark.parametrize(
    "query",
    [
        {"currency": "EUR"},
        {"country": "JPN"},
        {"page_size": 101},
        {"sort": "random"},
        {"min_price": -1},
        {"region": "mars"},
    ],
)
def test_bad_filters_are_a_400_naming_the_field(api_client, shop, query):
    response = api_client.get(LIST, query)

    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "VALIDATION_ERROR"
    assert set(query) <= set(error["details"])


def test_detail_by_id_or_slug_with_operators(api_client, shop):
    by_slug = api_client.get(f"{LIST}/jp-5")
    by_id = api_client.get(f"{LIST}/{shop['japan'].pk}")

    assert by_slug.status_code == by_id.status_code == 200
    assert by_slug.json()["data"]["id"] == by_id.json()["data"]["id"] == str(shop["japan"].pk)
    assert "operators" in by_slug.json()["data"]


def test_detail_of_a_hidden_or_unknown_package_is_a_404(api_client, shop):
    for key in (str(shop["hidden"].pk), "no-such-slug"):
        response = api_client.get(f"{LIST}/{key}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "NOT_FOUND"


def test_a_discontinued_package_says_why_it_cannot_be_bought(api_client, shop):
    body = api_client.get(f"{LIST}/{shop['gone'].slug}").json()["data"]

    assert body["availability"]["reasonCode"] == "discontinued"


def test_the_number_of_queries_does_not_grow_with_the_page(api_client, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    PackageFactory.create_batch(60)

    def queries_for(page_size):
        with CaptureQueriesContext(connection) as queries:
            assert len(_codes(api_client.get(LIST, {"page_size": page_size}))) == page_size
        return len(queries.captured_queries)

    assert queries_for(2) == queries_for(50)


def test_a_cached_answer_costs_no_query(api_client, shop):
    api_client.get(LIST)

    with CaptureQueriesContext(connection) as queries:
        assert _codes(api_client.get(LIST)) == ["EU10", "JP5", "JPD"]

    assert len(queries.captured_queries) == 0


def test_the_cache_expires_when_an_availability_window_opens(api_client, shop, settings):
    from catalog.cache import lifetime_seconds
    from catalog.price_display import display_prices

    now = timezone.now()
    shop["japan"].available_from = now + timedelta(seconds=30)

    lifetime = lifetime_seconds([shop["japan"]], display_prices([shop["japan"]], "USD", now), now)

    assert 29 <= lifetime <= 30


def test_the_package_list_is_rate_limited(api_client, shop, settings):
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "packages": "2/min"}

    statuses = [api_client.get(LIST).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]
