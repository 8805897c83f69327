"""The provider sync: creates, updates only what changed, never touches admin fields, and
leaves the catalogue as it was when anything fails."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from catalog.initial_prices import PriceRule, initial_prices
from catalog.models import EsimPackage, SyncRun, SyncStatus
from catalog.sync import sync_catalogue
from hiroam.integrations.errors import ProviderUnavailable
from pricing.models import PriceHistory
from tests.catalog.factories import provider_package

pytestmark = pytest.mark.django_db


def _sync(packages, **kwargs):
    return sync_catalogue(
        fetch=lambda: list(packages), now=timezone.now(), trigger="test", **kwargs
    )


def _writes(queries):
    return [
        q["sql"]
        for q in queries
        if q["sql"].startswith(("INSERT", "UPDATE", "DELETE")) and "catalog_esimpackage" in q["sql"]
    ]


def test_first_sync_creates_every_package_with_prices_and_categories(settings):
    settings.CATALOG_MARKUP_BPS = 5_000
    settings.CATALOG_USD_TO_IDR_RATE = 16_000
    settings.CATALOG_IDR_ROUNDING_STEP = 1_000

    run = _sync(
        [
            provider_package("A1", price=18_050),
            provider_package("B1", country="FR"),
            provider_package(
                "G1", location=",".join(f"C{i}" for i in range(60)), locationCode="GL-60"
            ),
        ]
    )

    assert (run.status, run.fetched, run.created, run.failed) == ("succeeded", 3, 3, 0)
    japan = EsimPackage.objects.get(package_code="A1")
    assert japan.base_price_cents == 181  # 18,050 / 100 rounded up
    assert japan.price_usd_cents == 272  # +50 %, rounded up to the cent
    assert japan.price_idr == 44_000  # 272 cents x 16,000 = 43,520 IDR, up to the next 1,000
    assert (japan.coverage, japan.region, japan.category) == ("single", "asia", "asia")
    assert EsimPackage.objects.get(package_code="B1").region == "europe"
    assert EsimPackage.objects.get(package_code="G1").coverage == "global"
    assert japan.location_names == {"JP": "Country JP"}
    assert japan.is_active


def test_new_packages_can_start_hidden(settings):
    settings.CATALOG_NEW_PACKAGES_ACTIVE = False

    _sync([provider_package("A1")])

    assert not EsimPackage.objects.get().is_active


def test_a_resync_without_provider_changes_writes_nothing():
    packages = [provider_package(f"P{i}") for i in range(20)]
    _sync(packages)
    before = {package.pk: package.updated_at for package in EsimPackage.objects.all()}

    with CaptureQueriesContext(connection) as queries:
        run = _sync(packages)

    assert (run.created, run.updated, run.unchanged, run.discontinued) == (0, 0, 20, 0)
    assert _writes(queries.captured_queries) == []
    assert {package.pk: package.updated_at for package in EsimPackage.objects.all()} == before


def test_a_cost_change_is_recorded_and_our_selling_price_kept():
    _sync([provider_package("A1", price=18_000)])
    package = EsimPackage.objects.get()

    run = _sync([provider_package("A1", price=21_000)])

    package.refresh_from_db()
    assert run.updated == 1
    assert package.base_price_cents == 210
    assert package.price_usd_cents == 270  # the admin's price, set at creation, is untouched
    change = PriceHistory.objects.get()  # the cost change lands in the price history
    assert (change.field, change.old_value, change.new_value, change.changed_at) == (
        PriceHistory.Field.COST,
        180,
        210,
        run.started_at,
    )


def test_admin_managed_fields_survive_a_sync():
    _sync([provider_package("A1")])
    EsimPackage.objects.update(
        display_name="Japan Unlimited-ish",
        custom_description="Our words",
        price_usd_cents=999,
        price_idr=159_000,
        is_active=False,
        is_featured=True,
        category_override="bestsellers",
        sort_order=-5,
        tags=["popular"],
    )

    _sync([provider_package("A1", name="Japan 5GB (renamed)", volume=6 * 1024**3)])

    package = EsimPackage.objects.get()
    assert package.name == "Japan 5GB (renamed)"
    assert package.volume_bytes == 6 * 1024**3
    assert (package.display_name, package.custom_description) == (
        "Japan Unlimited-ish",
        "Our words",
    )
    assert (package.price_usd_cents, package.price_idr) == (999, 159_000)
    assert (package.is_active, package.is_featured, package.sort_order) == (False, True, -5)
    assert (package.category, package.tags) == ("bestsellers", ["popular"])


def test_a_vanished_package_is_discontinued_and_returns_when_it_reappears(settings):
    settings.CATALOG_SYNC_MAX_VANISHED_BPS = 10_000  # two packages: one vanishing is half the shop
    _sync([provider_package("A1"), provider_package("B1")])

    gone = _sync([provider_package("A1")])
    assert gone.discontinued == 1
    assert EsimPackage.objects.get(package_code="B1").sync_status == SyncStatus.DISCONTINUED

    again = _sync([provider_package("A1")])
    assert again.discontinued == 0  # already discontinued: counted once

    back = _sync([provider_package("A1"), provider_package("B1")])
    assert back.reactivated == 1
    assert EsimPackage.objects.get(package_code="B1").sync_status == SyncStatus.ACTIVE


def test_a_provider_failure_changes_nothing_and_says_why():
    _sync([provider_package("A1")])

    def unreachable():
        raise ProviderUnavailable("package/list: timed out", provider="esim_access")

    run = sync_catalogue(fetch=unreachable, now=timezone.now(), trigger="test")

    assert run.status == SyncRun.Status.FAILED
    assert "timed out" in run.error
    assert EsimPackage.objects.get().sync_status == SyncStatus.ACTIVE  # not discontinued


def test_a_failure_while_writing_rolls_everything_back():
    _sync([provider_package("A1", price=18_000)])
    clash = [provider_package("A1", price=25_000), provider_package("N1", volume=2**63)]  # > bigint

    run = _sync(clash)

    assert run.status == SyncRun.Status.FAILED
    assert "Nothing was changed" in run.error
    assert list(EsimPackage.objects.values_list("package_code", "base_price_cents")) == [
        ("A1", 180)
    ]
    assert not PriceHistory.objects.exists()


def test_an_invalid_package_is_counted_and_the_rest_synced():
    run = _sync(
        [
            provider_package("A1"),
            provider_package("", slug="nameless"),
            provider_package("B1", duration=0),
        ]
    )

    assert (run.status, run.created, run.failed) == ("succeeded", 1, 2)
    assert "without packageCode" in run.error


def test_the_number_of_queries_does_not_grow_with_the_catalogue():
    def queries_for(count, prefix):
        EsimPackage.objects.all().delete()
        with CaptureQueriesContext(connection) as queries:
            _sync([provider_package(f"{prefix}{i}") for i in range(count)])
        return len(queries.captured_queries)

    assert queries_for(5, "S") == queries_for(200, "L")


def test_the_price_rule_can_follow_the_providers_retail_price():
    rule = PriceRule(
        method="retail", markup_bps=5_000, usd_to_idr_rate=15_500, idr_rounding_step=500
    )

    assert initial_prices(cost_cents=180, retail_cents=399, rule=rule) == (399, 62_000)
    assert initial_prices(cost_cents=180, retail_cents=None, rule=rule) == (270, 42_000)


@pytest.mark.django_db(transaction=True)
def test_the_whole_sandbox_catalogue_syncs_through_the_real_client(live_server, settings):
    from hiroam.integrations.esim_access import EsimAccessClient

    client = EsimAccessClient(
        base_url=f"{live_server.url}/sandbox/esim-access",
        access_code=settings.ESIM_ACCESS_CODE,
        secret_key=settings.ESIM_SECRET_KEY,
    )

    run = sync_catalogue(fetch=client.list_packages, now=timezone.now(), trigger="test")

    assert run.status == "succeeded"
    assert run.created == EsimPackage.objects.count() > 2_400
    assert set(EsimPackage.objects.values_list("coverage", flat=True)) == {
        "single",
        "regional",
        "global",
    }
    assert EsimPackage.objects.filter(region="europe", coverage="regional").exists()


@pytest.mark.django_db(transaction=True)
def test_the_sync_command_reports_what_it_did(live_server, settings, capsys):
    from django.core.management import call_command

    from hiroam.integrations.esim_access import esim_access_client

    settings.ESIM_API_URL = f"{live_server.url}/sandbox/esim-access"
    esim_access_client.cache_clear()
    try:
        call_command("sync_packages")
        call_command("sync_packages")
    finally:
        esim_access_client.cache_clear()

    out = capsys.readouterr().out.splitlines()
    assert "created" in out[0] and " 0 failed" in out[0]
    assert " 0 created, 0 updated" in out[1]
    assert SyncRun.objects.filter(trigger="command", status="succeeded").count() == 2


def test_an_empty_provider_answer_never_empties_the_shop():
    _sync([provider_package("A1"), provider_package("B1")])

    run = _sync([])

    assert run.status == SyncRun.Status.FAILED
    assert "no package" in run.error
    assert not EsimPackage.objects.filter(sync_status=SyncStatus.DISCONTINUED).exists()


def test_a_sync_that_would_remove_most_of_the_shop_is_refused(settings):
    settings.CATALOG_SYNC_MAX_VANISHED_BPS = 2_000
    _sync([provider_package(f"P{i}") for i in range(10)])

    run = _sync([provider_package("P0"), provider_package("P1")])

    assert run.status == SyncRun.Status.FAILED
    assert "8 of 10 packages would vanish" in run.error
    assert not EsimPackage.objects.filter(sync_status=SyncStatus.DISCONTINUED).exists()


def test_an_unreadable_provider_answer_fails_the_run_with_a_reason():
    def garbled():
        raise KeyError("packageList")

    run = sync_catalogue(fetch=garbled, now=timezone.now(), trigger="test")

    assert run.status == SyncRun.Status.FAILED
    assert "could not be read" in run.error


def test_a_package_listed_twice_or_a_taken_slug_does_not_fail_the_sync():
    _sync([provider_package("A1", slug="japan")])

    run = _sync(
        [
            provider_package("A1", slug="japan"),
            provider_package("A1"),
            provider_package("N1", slug="japan"),
        ]
    )

    assert (run.status, run.created, run.failed) == ("succeeded", 1, 1)
    assert EsimPackage.objects.get(package_code="N1").slug is None
    assert EsimPackage.objects.get(package_code="A1").slug == "japan"


def test_a_package_the_provider_describes_badly_is_not_sold_and_not_rewritten_each_sync():
    from catalog.availability import availability

    _sync([provider_package("A1")])
    _sync([provider_package("A1", duration=0)])
    package = EsimPackage.objects.get()
    assert package.sync_status == SyncStatus.ERROR
    assert availability(package, timezone.now()).reason_code == "sync_error"

    with CaptureQueriesContext(connection) as queries:
        _sync([provider_package("A1", duration=0)])

    assert _writes(queries.captured_queries) == []
