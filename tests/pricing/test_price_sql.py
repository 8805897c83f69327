"""Sorting and filtering by price use what customers pay now: the price in SQL is the engine's
for any schedules, and the catalogue API sorts, filters and ranges by it."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.test import override_settings
from django.utils import timezone
from hypothesis import example, given, settings
from hypothesis import strategies as st
from redis import Redis

from catalog.models import EsimPackage
from pricing import engine
from pricing.experiments.audience import ExperimentAudience
from pricing.experiments.live import LiveExperiment
from pricing.models import PriceSchedule
from pricing.price_sql import price_expression
from pricing.prices import engine_schedule, usd_to_idr_rate
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/packages"
NOW = timezone.now().replace(microsecond=0)

schedule_terms = st.fixed_dictionaries(
    {
        "kind": st.sampled_from(["percentage", "fixed", "price_override"]),
        "value": st.integers(1, 10_000),
        "override_usd": st.integers(0, 200_000),
        "override_idr": st.none() | st.integers(0, 3_000_000_000),
        "start_hours": st.integers(-48, 48),
        "length_hours": st.integers(1, 96),
        "priority": st.integers(0, 2),
        "created_minutes": st.integers(0, 3),
        "is_active": st.booleans(),
    }
)


def _row(package, terms):
    override = terms["kind"] == "price_override"
    return PriceSchedule(
        package=package,
        schedule_name="s",
        schedule_type="price_override" if override else "discount",
        discount_type="" if override else terms["kind"],
        discount_value=None if override else terms["value"],
        override_price_usd_cents=terms["override_usd"] if override else None,
        override_price_idr=terms["override_idr"] if override else None,
        starts_at=NOW + timedelta(hours=terms["start_hours"]),
        ends_at=NOW + timedelta(hours=terms["start_hours"] + terms["length_hours"]),
        priority=terms["priority"],
        created_at=NOW - timedelta(minutes=terms["created_minutes"]),
        is_active=terms["is_active"],
    )


@settings(max_examples=60)
@given(
    usd=st.integers(0, 2_000_000),  # up to $20,000: products overflow 32-bit integers
    idr=st.integers(0, 30_000_000_000),
    terms=st.lists(schedule_terms, max_size=4),
)
def test_the_sql_price_is_the_engine_price(usd, idr, terms):
    # Uncached: every example changes schedules without a commit to drop the cache.
    with override_settings(CATALOG_CACHE_SECONDS=0), transaction.atomic():
        package = PackageFactory.create(price_usd_cents=usd, price_idr=idr)
        rows = PriceSchedule.objects.bulk_create([_row(package, t) for t in terms])
        expected = engine.price_package(
            base=engine.Prices(usd, idr),
            schedules=[engine_schedule(row) for row in rows],
            moment=NOW,
            usd_to_idr_rate=usd_to_idr_rate(NOW),
        ).final
        in_sql = EsimPackage.objects.filter(pk=package.pk).annotate(
            usd=price_expression("USD", NOW), idr=price_expression("IDR", NOW)
        )
        assert in_sql.values_list("usd", "idr").get() == (expected.usd_cents, expected.idr)
        transaction.set_rollback(True)


def _sale(package, bps):
    PriceSchedule.objects.create(
        package=package,
        schedule_name="Sale",
        discount_type="percentage",
        discount_value=bps,
        starts_at=timezone.now() - timedelta(hours=1),
        ends_at=timezone.now() + timedelta(days=1),
    )


def test_sort_filter_and_range_use_the_sale_price(api_client):
    cheap = PackageFactory.create(price_usd_cents=500)
    on_sale = PackageFactory.create(price_usd_cents=1_000)
    dear = PackageFactory.create(price_usd_cents=2_000)
    _sale(on_sale, 6_000)  # $10.00 → $4.00: now the cheapest

    by_price = api_client.get(LIST, {"sort": "price"}).json()["data"]
    under_450 = api_client.get(LIST, {"max_price": 450}).json()["data"]["packages"]

    ids = [str(package.pk) for package in (on_sale, cheap, dear)]
    assert [p["id"] for p in by_price["packages"]] == ids
    assert [p["id"] for p in under_450] == ids[:1]
    assert by_price["filters"]["priceRange"] == {"min": 400, "max": 2_000, "currency": "USD"}


def test_a_schedule_on_another_page_bounds_how_long_a_page_is_cached(api_client, settings):
    settings.CATALOG_CACHE_SECONDS = 3_600
    first = PackageFactory.create(price_usd_cents=500)
    later = PackageFactory.create(price_usd_cents=1_000)
    starts = timezone.now() + timedelta(minutes=10)
    PriceSchedule.objects.create(
        package=later,
        schedule_name="Soon",
        discount_type="percentage",
        discount_value=9_000,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )

    page = api_client.get(LIST, {"sort": "price", "page_size": 1}).json()["data"]["packages"]

    # The page does not show the scheduled package, yet it must expire when the sale starts:
    # from then on that package sorts first.
    assert [p["id"] for p in page] == [str(first.pk)]
    redis = Redis.from_url(settings.REDIS_URL)
    [key] = redis.keys("*catalog:*:list:*")
    assert 590 <= redis.ttl(key) <= 600


def _variant(kind, value=0, override_usd=None, override_idr=None):
    return engine.Variant("e", "Test", "v", "Variant", kind, value, override_usd, override_idr)


variant_terms = st.one_of(
    st.builds(
        lambda value: _variant(engine.DiscountKind.PERCENTAGE, value),
        st.integers(-10_000, 10_000).filter(bool),
    ),
    st.builds(
        lambda value: _variant(engine.DiscountKind.FIXED, value),
        st.integers(-100_000, 100_000).filter(bool),
    ),
    st.builds(
        lambda usd, idr: _variant(engine.DiscountKind.PRICE_OVERRIDE, 0, usd, idr),
        st.integers(0, 200_000),
        st.none() | st.integers(0, 3_000_000_000),
    ),
    st.just(engine.Variant("e", "Test", "c", "Control")),
)


@settings(max_examples=80)
@given(
    usd=st.integers(0, 2_000_000),
    idr=st.integers(0, 30_000_000_000),
    terms=st.lists(schedule_terms, max_size=2),
    variant=variant_terms,
)
# Halves round away from zero: 50 % of 1 cent is 1 cent (up or down), of Rp 3 is Rp 2.
@example(usd=1, idr=3, terms=[], variant=_variant(engine.DiscountKind.PERCENTAGE, -5_000))
@example(usd=1, idr=3, terms=[], variant=_variant(engine.DiscountKind.PERCENTAGE, 5_000))
# The highest price a package may have: no product outgrows a bigint.
@example(
    usd=2_147_483_647,
    idr=10**15,
    terms=[],
    variant=_variant(engine.DiscountKind.PERCENTAGE, 9_999),
)
# A cut larger than the price stops at zero.
@example(usd=150, idr=9, terms=[], variant=_variant(engine.DiscountKind.FIXED, -200))
def test_the_sql_price_of_an_experiment_visitor_is_the_engine_price(usd, idr, terms, variant):
    """With or without a live schedule (the variant on top, in Python, or alone, in SQL)."""
    japan = LiveExperiment(
        id="00000000-0000-0000-0000-000000000001",
        name="Test",
        started_at=NOW,
        package_ids=frozenset(),
        covers_everything=False,
        country_code="JP",
        region="",
        variants=(variant,),
        weights=(1,),
    )
    audience = ExperimentAudience("g:visitor", (japan,), (variant,))
    with override_settings(CATALOG_CACHE_SECONDS=0), transaction.atomic():
        package = PackageFactory.create(price_usd_cents=usd, price_idr=idr, location_codes=["JP"])
        elsewhere = PackageFactory.create(price_usd_cents=usd, price_idr=idr, location_codes=["FR"])
        rows = PriceSchedule.objects.bulk_create([_row(package, t) for t in terms])
        rate = usd_to_idr_rate(NOW)
        expected = engine.price_package(
            base=engine.Prices(usd, idr),
            schedules=[engine_schedule(row) for row in rows],
            moment=NOW,
            usd_to_idr_rate=rate,
            variant=variant,
        ).final
        in_sql = EsimPackage.objects.annotate(
            usd=price_expression("USD", NOW, audience), idr=price_expression("IDR", NOW, audience)
        )
        assert in_sql.values_list("usd", "idr").get(pk=package.pk) == (
            expected.usd_cents,
            expected.idr,
        )
        # A package the experiment does not cover keeps its price.
        assert in_sql.values_list("usd", "idr").get(pk=elsewhere.pk) == (usd, idr)
        transaction.set_rollback(True)
