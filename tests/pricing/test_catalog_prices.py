"""The catalogue shows the engine's prices: schedules switch on and off on time, a page is
priced in one pass, and an admin's schedule shows at once."""

import time
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.roles import MANAGE_PACKAGES, ROLES
from accounts.services import apply_roles
from pricing.models import ExchangeRate, PriceHistory, PriceSchedule
from tests.accounts.factories import staff_member
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db
LIST = "/api/v1/packages"


def _schedule(package, **fields):
    now = timezone.now()
    defaults = {
        "schedule_name": "Christmas Sale",
        "discount_type": "percentage",
        "discount_value": 2_500,
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=1),
        "badge_text": "25% OFF",
        "badge_color": "red",
    }
    return PriceSchedule.objects.create(package=package, **{**defaults, **fields})


def _pricing(client, package, **query):
    packages = client.get(LIST, query).json()["data"]["packages"]
    return next(p for p in packages if p["id"] == str(package.pk))["pricing"]


def test_a_live_schedule_sets_the_price_with_its_badge(api_client):
    package = PackageFactory.create(price_usd_cents=999, price_idr=159_000)
    schedule = _schedule(package)

    pricing = _pricing(api_client, package)

    assert (pricing["originalPrice"], pricing["finalPrice"], pricing["savingsAmount"]) == (
        999,
        749,
        250,
    )
    assert pricing["hasDiscount"] is True
    assert pricing["discountLabel"] == "25% OFF"
    assert (pricing["scheduleName"], pricing["badgeText"], pricing["badgeColor"]) == (
        "Christmas Sale",
        "25% OFF",
        "red",
    )
    assert pricing["discountEndsAt"] == schedule.ends_at.isoformat()
    assert _pricing(api_client, package, currency="IDR")["finalPrice"] == 119_250


def test_a_fixed_discount_uses_the_exchange_rate_set_in_admin(api_client):
    package = PackageFactory.create(price_usd_cents=999, price_idr=159_000)
    ExchangeRate.objects.create(
        usd_to_idr_rate=15_000, valid_from=timezone.now() - timedelta(hours=1)
    )
    _schedule(package, discount_type="fixed", discount_value=200)

    assert _pricing(api_client, package, currency="IDR")["finalPrice"] == 159_000 - 30_000


def test_a_schedule_switches_on_the_second_it_starts_without_any_job(api_client):
    package = PackageFactory.create(price_usd_cents=999)
    _schedule(package, starts_at=timezone.now() + timedelta(seconds=1.5))

    before = _pricing(api_client, package)  # cached, but only until the schedule starts
    time.sleep(1.6)
    after = _pricing(api_client, package)

    assert before["finalPrice"] == 999
    assert after["finalPrice"] == 749


def test_a_schedule_is_over_at_its_end(api_client):
    package = PackageFactory.create(price_usd_cents=999)
    _schedule(
        package,
        starts_at=timezone.now() - timedelta(days=1),
        ends_at=timezone.now() + timedelta(seconds=1.5),
    )

    during = _pricing(api_client, package)
    time.sleep(1.6)
    after = _pricing(api_client, package)

    assert (during["finalPrice"], after["finalPrice"]) == (749, 999)
    assert after["hasDiscount"] is False


def test_a_page_is_priced_in_one_pass_whatever_its_size(api_client, settings):
    settings.CATALOG_CACHE_SECONDS = 0
    for package in PackageFactory.create_batch(40):
        _schedule(package)
        _schedule(package, schedule_name="Flash", discount_value=4_000, priority=1)

    def queries_for(page_size):
        with CaptureQueriesContext(connection) as queries:
            assert api_client.get(LIST, {"page_size": page_size}).status_code == 200
        return len(queries.captured_queries)

    assert queries_for(3) == queries_for(40)


def test_a_schedule_saved_in_admin_shows_at_once(
    client, api_client, django_capture_on_commit_callbacks
):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_PACKAGES.name))
    package = PackageFactory.create(price_usd_cents=999)
    assert _pricing(api_client, package)["finalPrice"] == 999  # now cached
    now = timezone.now()

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/pricing/priceschedule/add/",
            {
                "package": str(package.pk),
                "schedule_name": "Flash",
                "schedule_type": "discount",
                "discount_type": "percentage",
                "discount_value": "4000",
                "starts_at_0": (now - timedelta(hours=1)).strftime("%Y-%m-%d"),
                "starts_at_1": (now - timedelta(hours=1)).strftime("%H:%M:%S"),
                "ends_at_0": (now + timedelta(days=2)).strftime("%Y-%m-%d"),
                "ends_at_1": "00:00:00",
                "priority": "0",
                "is_active": "on",
            },
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    schedule = PriceSchedule.objects.get()
    assert schedule.created_by is not None
    assert _pricing(api_client, package)["finalPrice"] == 599
    history = PriceHistory.objects.get()
    assert (history.field, history.old_value, history.schedule) == ("schedule", None, schedule)
    assert (history.new_value or {})["discount_value"] == 4_000
    assert history.changed_by == schedule.created_by


def test_changing_and_deleting_a_schedule_in_admin_is_in_the_price_history(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_PACKAGES.name))
    schedule = _schedule(PackageFactory.create())

    client.post(f"/admin/pricing/priceschedule/{schedule.pk}/delete/", {"post": "yes"})

    [deleted] = PriceHistory.objects.all()
    assert deleted.new_value is None
    assert (deleted.old_value or {})["schedule_name"] == "Christmas Sale"
    assert deleted.reason == "deleted in Admin"
    assert not PriceSchedule.objects.exists()


def test_the_database_refuses_a_backwards_or_empty_schedule():
    from django.db import IntegrityError, transaction

    package = PackageFactory.create()
    now = timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        _schedule(package, starts_at=now, ends_at=now)
    with pytest.raises(IntegrityError), transaction.atomic():
        _schedule(package, discount_value=12_000)
    with pytest.raises(IntegrityError), transaction.atomic():
        _schedule(package, schedule_type="price_override", discount_type="", discount_value=None)
    assert not PriceSchedule.objects.exists()


def test_a_schedule_saved_without_changing_its_terms_writes_no_history():
    from pricing.services import record_schedule_change, schedule_terms

    schedule = _schedule(PackageFactory.create())
    terms = schedule_terms(schedule)

    assert (
        record_schedule_change(schedule=schedule, before=terms, after=dict(terms), user=None)
        is None
    )
    changed = record_schedule_change(
        schedule=schedule, before=terms, after={**terms, "priority": 5}, user=None
    )
    assert changed is not None
    assert (changed.new_value or {})["priority"] == 5


def test_an_idr_shopper_sees_the_idr_saving_not_the_usd_one(api_client):
    package = PackageFactory.create(price_usd_cents=999, price_idr=159_000)
    ExchangeRate.objects.create(
        usd_to_idr_rate=15_000, valid_from=timezone.now() - timedelta(hours=1)
    )
    _schedule(package, discount_type="fixed", discount_value=200)

    usd, idr = _pricing(api_client, package), _pricing(api_client, package, currency="IDR")

    assert usd["discountLabel"] == "20% OFF"  # 200 / 999 = 20.02 %
    assert idr["discountLabel"] == "18% OFF"  # 30,000 / 159,000 = 18.87 %, never rounded up
