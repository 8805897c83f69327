"""Each dashboard section's figures and tables, on the shared shop history (tests.analytics
.history) with every number worked out by hand. October 2026 is compared with September."""

from __future__ import annotations

from datetime import date

import pytest

from analytics import refresh
from analytics.period import Granularity, Period
from analytics.report import Section
from analytics.sections import SECTIONS
from pricing.models import DiscountCode, PriceSchedule
from tests.analytics import history
from tests.analytics.shop import Line, at, checkout

pytestmark = pytest.mark.django_db

NOW = at("2026-10-31", 23)
OCTOBER = Period(date(2026, 10, 1), date(2026, 10, 31), "USD", Granularity.DAY)


@pytest.fixture
def shop():
    shop = history.september()
    history.october(shop)
    return shop


def section(slug: str, period: Period = OCTOBER) -> Section:
    refresh.rebuild(now=NOW)
    return SECTIONS[slug].build(period, NOW)


def figures(built: Section) -> dict[str, tuple[int | None, int | None]]:
    return {figure.label: (figure.value, figure.previous) for figure in built.figures}


def test_overview_in_dollars(shop):
    built = section("overview", Period(OCTOBER.start, OCTOBER.end, "USD", Granularity.WEEK))

    assert figures(built) == {
        "Net revenue": (2000, 1800),
        "Paid orders": (2, 1),  # Ana's second and Carl's; Ana's first in September
        "Average order value": (1000, 1800),
        "Items per order": (150, 200),  # 3 eSIMs in 2 orders; 2 in 1
        "Refunded": (0, 0),
    }
    by_source = built.table("by-source")
    assert by_source is not None
    assert by_source.rows == (("(direct)", 1, 1500, 0, 1500), ("blog.example", 1, 500, 0, 500))
    by_month = built.table("by-month")
    assert by_month is not None
    assert by_month.rows == (("2026-10", 2, 3, 2000, 1000, 0, 2000),)
    by_month_only = section(
        "overview", Period(OCTOBER.start, OCTOBER.end, "USD", Granularity.MONTH)
    )
    assert [block.table.name for block in by_month_only.blocks] == ["over-time", "by-source"]


def test_overview_in_rupiah_takes_the_refund_off_october(shop):
    built = section("overview", Period(OCTOBER.start, OCTOBER.end, "IDR", Granularity.DAY))

    assert figures(built)["Net revenue"] == (-135_000, 135_000)
    assert figures(built)["Refunded"] == (135_000, 0)
    over_time = built.table("over-time")
    assert over_time is not None and len(over_time.rows) == 31
    assert over_time.rows[4] == ("2026-10-05", 0, 0, 0, None, 135_000, -135_000)


def test_products_by_package_country_and_region(shop):
    built = section("products")

    packages, countries, regions = (
        built.table(name) for name in ("packages", "countries", "regions")
    )
    assert packages is not None and countries is not None and regions is not None
    assert packages.rows == (("JP-5GB", 1, 1000, 1800), ("TH-3GB", 2, 1000, 0))
    assert countries.rows == (("Japan", 1, 1000, 1800), ("Thailand", 2, 1000, 0))
    assert regions.rows == (("asia", 3, 2000, 1800),)


def test_funnel_counts_and_drops(shop):
    built = section("funnel")

    assert figures(built) == {
        "Checkouts created": (3, 1),  # Ana, Carl, and Dan who never paid
        "Paid": (2, 1),
        "eSIMs delivered": (2, 1),
        "Installed": (0, 1),
        "Checkout to payment": (6667, 10_000),
    }
    steps = built.table("steps")
    assert steps is not None
    assert [row[:4] for row in steps.rows] == [
        ("Checkouts created", 3, 10_000, 0),
        ("Paid", 2, 6667, 1),
        ("eSIMs delivered", 2, 10_000, 0),
        ("Installed", 0, 0, 2),
    ]


def test_acquisition_and_the_cohort_table(shop):
    built = section("acquisition", Period(date(2026, 9, 1), OCTOBER.end, "USD", Granularity.MONTH))

    assert figures(built) == {
        "New customers": (2, 0),  # Ana (September) and Carl (October)
        "Bought again": (5000, None),  # Ana did, Carl has not
        "Sign-ups": (3, 0),  # Tia, Bo, Ana
        "Sign-ups who bought": (6667, None),  # Tia and Ana
    }
    cohorts = built.table("cohorts")
    assert cohorts is not None
    assert [row[:3] for row in cohorts.rows] == [
        (date(2026, 9, 1), 1, 10_000),  # Ana bought again the month after
        (date(2026, 10, 1), 1, None),  # November has not begun by the period's end
    ]


def test_points_issued_clawed_back_and_the_liability(shop):
    built = section("points")

    got = figures(built)
    assert got["Issued"] == (0, 100)
    assert got["Clawed back"] == (100, 0)
    assert got["Outstanding points"] == (0, 100)
    assert got["Liability"] == (0, 100)  # 100 points take $1.00 off


def test_refunds_recovered_esims_and_money_given_back(shop):
    built = section("refunds", Period(OCTOBER.start, OCTOBER.end, "IDR", Granularity.DAY))

    got = figures(built)
    assert got["eSIMs recovered"] == (1, 0)
    assert got["Cost recovered"] == (180, 0)
    assert got["Given back to customers"] == (135_000, 0)
    recovered = built.table("recovered")
    assert recovered is not None and recovered.rows == (("2026-10", 1, 180),)


def test_promotions_per_schedule_and_code_with_the_days_before(shop):
    sale = PriceSchedule.objects.create(
        package=shop["th"],
        schedule_name="Autumn sale",
        discount_type="fixed",
        discount_value=100,
        starts_at=at("2026-10-10", 0),
        ends_at=at("2026-10-20", 0),
    )
    code = DiscountCode.objects.create(
        code="HELLO", name="Hello", discount_type="fixed", discount_value=100
    )
    checkout(
        Line(shop["th"], quantity=2, unit=500, product_discount=100, schedule=sale.pk),
        created=at("2026-10-12"),
        paid=at("2026-10-12", 13),
        email="eve@example.com",
    )
    checkout(
        Line(shop["jp"], unit=1000, code_share=100),
        created=at("2026-10-13"),
        paid=at("2026-10-13", 13),
        email="fay@example.com",
        code=code,
    )

    built = section("promotions")

    assert figures(built) == {
        "Revenue on sale": (800, 0),
        "Sale discounts": (200, 0),
        "Revenue with codes": (900, 0),
        "Code discounts": (100, 0),
    }
    schedules, codes = built.table("schedules"), built.table("codes")
    assert schedules is not None and codes is not None
    # The run is 10 to 19 October; the ten days before it saw Ana's and Carl's $5.00 each.
    assert schedules.rows == (
        (
            "Autumn sale",
            "TH-3GB",
            date(2026, 10, 10),
            date(2026, 10, 19),
            1,
            2,
            800,
            200,
            800,
            1000,
        ),
    )
    assert codes.rows == (("HELLO", "Hello", 1, 1, 900, 100),)


def test_every_section_renders_an_empty_shop():
    refresh.rebuild(now=NOW)
    for spec in SECTIONS.values():
        built = spec.build(OCTOBER, NOW)
        assert built.figures, spec.slug
        assert all(figure.value in (0, None) for figure in built.figures), spec.slug
