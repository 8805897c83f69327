"""The shop's catalogue pages: what a traveller reads on them, in their currency, and that
each costs the same few queries however many packages it shows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from catalog.models import StockType
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import live_schedule

pytestmark = pytest.mark.django_db

GB = 1024**3


def japan(**fields):
    return PackageFactory.create(**fields)


def test_money_is_written_as_people_read_it():
    from catalog.price_display import format_money

    assert format_money(450, "USD") == "$4.50"
    assert format_money(123_456, "USD") == "$1,234.56"
    assert format_money(75_000, "IDR") == "Rp 75.000"
    assert format_money(1_250_000, "IDR") == "Rp 1.250.000"


def test_a_destination_lists_its_packages_with_sale_and_regular_price(client):
    on_sale = japan(name="Japan 5GB", price_usd_cents=1_000)
    live_schedule(on_sale, schedule_name="Cherry Sale", discount_value=2_000, badge_text="Spring")
    japan(name="Japan 1GB", volume_bytes=GB, price_usd_cents=450)
    PackageFactory.create(
        name="Thailand 3GB", location_codes=["TH"], location_names={"TH": "Thailand"}
    )

    page = client.get("/destinations/jp").content.decode()

    assert "eSIMs for Japan" in page
    assert "Japan 5GB" in page and "Japan 1GB" in page
    assert "Thailand" not in page
    assert "$8.00" in page and "<s" in page and "$10.00" in page  # sale and struck-through
    assert "Spring" in page
    assert "$4.50" in page


def test_idr_visitors_see_rupiah_and_keep_the_choice(client):
    japan(name="Japan 5GB", price_usd_cents=1_000, price_idr=165_000)

    switched = client.get("/currency/IDR?next=/destinations/jp")
    assert switched.status_code == 302 and switched["Location"] == "/destinations/jp"

    page = client.get("/destinations/jp").content.decode()
    assert "Rp 165.000" in page
    assert "$10.00" not in page


def test_filters_are_in_the_url_and_bad_values_say_so(client):
    japan(name="Small plan", volume_bytes=GB, duration=7)
    japan(name="Big plan", volume_bytes=10 * GB, duration=30)

    filtered = client.get("/destinations/jp?gb=5&days=15").content.decode()
    assert "Big plan" in filtered and "Small plan" not in filtered
    assert '<option value="5" selected>' in filtered  # the form shows what it filters by

    wrong = client.get("/destinations/jp?gb=7&max_price=cheap").content.decode()
    assert "Select a valid choice" in wrong and "Enter a whole number" in wrong
    assert "Big plan" in wrong and "Small plan" in wrong  # the bad filters are ignored


def test_sold_out_and_coming_soon_are_said_on_the_card(client):
    from datetime import timedelta

    from django.utils import timezone

    japan(name="Sold plan", stock_type=StockType.LIMITED, stock_quantity=0)
    japan(name="Later plan", available_from=timezone.now() + timedelta(days=2))

    page = client.get("/destinations/jp").content.decode()
    assert "Sold out" in page and "Coming soon" in page


def test_an_unknown_destination_or_package_is_a_shop_404(client):
    assert client.get("/destinations/zz").status_code == 404
    missing = client.get("/packages/no-such-plan")
    assert missing.status_code == 404
    assert "We could not find that page" in missing.content.decode()


def test_the_package_page_explains_its_price(client):
    package = japan(
        name="Japan 5GB",
        price_usd_cents=1_000,
        operator_list=[{"location": "JP", "operators": [{"name": "Docomo", "network_type": "5G"}]}],
    )
    live_schedule(package, schedule_name="Cherry Sale", discount_value=2_000)

    page = client.get(f"/packages/{package.slug}").content.decode()

    assert "Why this price" in page
    assert "The regular price is $10.00." in page
    assert "Cherry Sale takes $2.00 off (20% OFF)" in page
    assert "Japan: Docomo (5G)" in page


@pytest.mark.parametrize("path", ["/", "/packages", "/destinations/jp", "/regions/asia"])
def test_a_list_page_costs_the_same_queries_for_5_or_40_packages(client, path, settings):
    settings.CATALOG_CACHE_SECONDS = 0  # count the real work, not the cache

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(path).status_code == 200
        return len(captured)

    for n in range(5):
        live_schedule(japan(name=f"Japan {n}"))
    few = queries()
    for n in range(35):
        live_schedule(japan(name=f"More Japan {n}"))
    assert queries() == few


def test_a_page_past_the_end_shows_the_last_page(client):
    for n in range(30):
        japan(name=f"Plan {n:02d}")
    page = client.get("/destinations/jp?page=50").content.decode()
    assert "page 2 of 2" in page
    assert page.count('class="card"') == 6


def test_searching_a_countrys_name_opens_its_destination(client):
    japan(name="Tokyo unlimited")
    response = client.get("/packages?q=japan")
    assert response.status_code == 302 and response["Location"] == "/destinations/jp"
    assert client.get("/packages?q=tokyo").status_code == 200  # other words search names


def test_a_nul_byte_in_a_package_address_is_a_404(client):
    assert client.get("/packages/%00").status_code == 404
    assert client.get("/api/v1/packages/%00").status_code == 404
