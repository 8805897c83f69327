"""A discounted package shows the lowest price it had in the 30 days before its promotion began
(the EU price-indication rule), from its schedules and its base-price history; over the
catalogue API, list and detail, in both currencies."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pricing.models import ExchangeRate, PriceHistory, PriceSchedule
from pricing.prices import display_prices
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/packages"
DAY = timedelta(days=1)


@pytest.fixture
def package():
    """$10 (160,000 IDR at 16,000 IDR per USD), 20 % off since an hour ago."""
    ExchangeRate.objects.create(usd_to_idr_rate=16_000, valid_from=timezone.now() - 90 * DAY)
    package = PackageFactory.create(price_usd_cents=1_000, price_idr=160_000)
    _schedule(
        package, "Spring Sale", discount_value=2_000, starts=-timedelta(hours=1), ends=7 * DAY
    )
    return package


def _promotion_start(package):
    return PriceSchedule.objects.get(package=package, schedule_name="Spring Sale").starts_at


def _schedule(package, name, *, starts, ends, **terms):
    now = timezone.now()
    defaults = {"discount_type": "percentage"} if "discount_value" in terms else {}
    return PriceSchedule.objects.create(
        package=package,
        schedule_name=name,
        starts_at=now + starts,
        ends_at=now + ends,
        **{**defaults, **terms},
    )


def _flash_sale(package, *, days_ago, usd=800, idr=128_000):
    return _schedule(
        package,
        "Flash",
        schedule_type="price_override",
        override_price_usd_cents=usd,
        override_price_idr=idr,
        starts=-days_ago * DAY,
        ends=-(days_ago - 1) * DAY,
    )


def _base_change(package, field, old, new, at):
    return PriceHistory.objects.create(
        package=package, field=field, old_value=old, new_value=new, changed_at=at
    )


def _pricing(client, package, currency="USD"):
    packages = client.get(LIST, {"currency": currency}).json()["data"]["packages"]
    return next(p for p in packages if p["id"] == str(package.pk))["pricing"]


def _detail_pricing(client, package, currency="USD"):
    return client.get(f"{LIST}/{package.slug}", {"currency": currency}).json()["data"]["pricing"]


def test_a_flash_sale_10_days_ago_is_the_lowest_price(api_client, package):
    _flash_sale(package, days_ago=10)

    usd = _pricing(api_client, package)
    idr = _pricing(api_client, package, "IDR")

    assert (usd["originalPrice"], usd["finalPrice"], usd["lowestPrice30Days"]) == (1_000, 800, 800)
    assert (idr["originalPrice"], idr["finalPrice"], idr["lowestPrice30Days"]) == (
        160_000,
        128_000,
        128_000,
    )
    assert _detail_pricing(api_client, package)["lowestPrice30Days"] == 800
    assert _detail_pricing(api_client, package, "IDR")["lowestPrice30Days"] == 128_000


def test_a_flash_sale_40_days_ago_is_too_old_to_count(api_client, package):
    _flash_sale(package, days_ago=40)

    assert _pricing(api_client, package)["lowestPrice30Days"] == 1_000
    assert _pricing(api_client, package, "IDR")["lowestPrice30Days"] == 160_000
    assert _detail_pricing(api_client, package)["lowestPrice30Days"] == 1_000


def test_a_base_price_raised_5_days_before_the_promotion_counts_at_its_old_value(
    api_client, package
):
    five_days_before = _promotion_start(package) - 5 * DAY
    _base_change(package, PriceHistory.Field.PRICE_USD, 900, 1_000, five_days_before)
    _base_change(package, PriceHistory.Field.PRICE_IDR, 144_000, 160_000, five_days_before)

    assert _pricing(api_client, package)["lowestPrice30Days"] == 900
    assert _pricing(api_client, package, "IDR")["lowestPrice30Days"] == 144_000
    assert _detail_pricing(api_client, package)["lowestPrice30Days"] == 900
    assert _detail_pricing(api_client, package, "IDR")["lowestPrice30Days"] == 144_000


def test_a_base_price_lower_only_before_the_period_does_not_count(api_client, package):
    _base_change(
        package, PriceHistory.Field.PRICE_USD, 500, 1_000, _promotion_start(package) - 31 * DAY
    )

    assert _pricing(api_client, package)["lowestPrice30Days"] == 1_000


def test_provider_cost_and_schedule_history_are_not_base_prices(api_client, package):
    at = _promotion_start(package) - 5 * DAY
    _base_change(package, PriceHistory.Field.COST, 100, 180, at)
    PriceHistory.objects.create(
        package=package, field=PriceHistory.Field.SCHEDULE, old_value=None, new_value={}
    )

    assert _pricing(api_client, package)["lowestPrice30Days"] == 1_000


def test_a_package_that_is_not_discounted_shows_no_lowest_price(api_client):
    package = PackageFactory.create(price_usd_cents=1_000, price_idr=160_000)
    _flash_sale(package, days_ago=10)
    _base_change(package, PriceHistory.Field.PRICE_USD, 900, 1_000, timezone.now() - 5 * DAY)

    usd, idr = _pricing(api_client, package), _pricing(api_client, package, "IDR")

    assert (usd["hasDiscount"], usd["lowestPrice30Days"]) == (False, None)
    assert (idr["hasDiscount"], idr["lowestPrice30Days"]) == (False, None)
    assert _detail_pricing(api_client, package)["lowestPrice30Days"] is None


def test_the_period_ends_where_the_promotion_began_not_now(package):
    # A sale from 35 to 31 days before now is inside the 30 days before a promotion that
    # began 3 days ago, though more than 30 days before now.
    PriceSchedule.objects.filter(package=package).update(starts_at=timezone.now() - 3 * DAY)
    _schedule(package, "Old", discount_value=5_000, starts=-35 * DAY, ends=-31 * DAY)

    [price] = display_prices([package], "USD", timezone.now()).values()

    assert (price.final, price.lowest_price_30_days) == (800, 500)


def test_each_package_of_a_page_has_its_own_period(package):
    other = PackageFactory.create(price_usd_cents=2_000, price_idr=320_000)
    _schedule(other, "Later Sale", discount_value=1_000, starts=-20 * DAY, ends=DAY)
    _schedule(other, "Before", discount_value=4_000, starts=-45 * DAY, ends=-44 * DAY)
    _flash_sale(package, days_ago=40)  # in the other package's period, not in this one's

    prices = display_prices([package, other], "USD", timezone.now())

    assert prices[package.pk].lowest_price_30_days == 1_000
    assert prices[other.pk].lowest_price_30_days == 1_200  # 40 % off $20, 25 days before


SCHEDULE_READS = ('SELECT "pricing_priceschedule"', 'SELECT MIN("pricing_priceschedule"')


def test_the_lowest_prices_of_a_page_cost_two_queries_whatever_its_size(api_client, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    now = timezone.now()
    for index, package in enumerate(PackageFactory.create_batch(40)):
        _schedule(package, "Current", discount_value=2_000, starts=-(index + 1) * DAY, ends=DAY)
        _flash_sale(package, days_ago=index + 5)
        _base_change(package, PriceHistory.Field.PRICE_USD, 250, 300, now - (index + 3) * DAY)
        _base_change(package, PriceHistory.Field.PRICE_IDR, 40_000, 48_000, now - 2 * DAY)

    def queries_for(page_size):
        with CaptureQueriesContext(connection) as queries:
            response = api_client.get(LIST, {"page_size": page_size})
        assert all(p["pricing"]["lowestPrice30Days"] for p in response.json()["data"]["packages"])
        return [query["sql"] for query in queries.captured_queries]

    small, large = queries_for(3), queries_for(40)

    assert len(small) == len(large)
    assert sum('"pricing_pricehistory"' in sql for sql in large) == 1
    assert sum(sql.startswith(SCHEDULE_READS) for sql in large) == sum(
        sql.startswith(SCHEDULE_READS) for sql in small
    )


def test_a_page_without_discounts_reads_no_history(api_client, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    for package in PackageFactory.create_batch(5):
        _flash_sale(package, days_ago=10)
        _base_change(package, PriceHistory.Field.PRICE_USD, 250, 300, timezone.now() - DAY)

    with CaptureQueriesContext(connection) as queries:
        assert api_client.get(LIST).status_code == 200

    sqls = [query["sql"] for query in queries.captured_queries]
    assert not any('"pricing_pricehistory"' in sql for sql in sqls)


def test_the_api_schema_documents_the_lowest_price(client):
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()

    field = schema["components"]["schemas"]["PricingSchema"]["properties"]["lowestPrice30Days"]
    assert (field["type"], field["nullable"]) == ("integer", True)
