"""The seven pages on the shop history, as an analyst reads them: each renders its figures,
charts and tables in the chosen currency, every table downloads as CSV, and a page costs the
same number of queries however much was sold."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import ROLES, VIEW_ANALYTICS
from accounts.services import apply_roles
from analytics import refresh
from analytics.sections import SECTIONS
from tests.accounts.factories import staff_member
from tests.analytics import history
from tests.analytics.shop import Line, at, checkout

pytestmark = pytest.mark.django_db

OCTOBER = "?start=2026-10-01&end=2026-10-31&granularity=week"


@pytest.fixture
def analyst(client):
    apply_roles(ROLES)
    client.force_login(staff_member(VIEW_ANALYTICS.name))
    return client


@pytest.fixture
def shop():
    shop = history.september()
    history.october(shop)
    refresh.rebuild(now=at("2026-10-31", 23))
    return shop


@pytest.mark.parametrize("slug", list(SECTIONS))
def test_every_page_renders_with_its_tables_downloadable(analyst, shop, slug):
    page = analyst.get(f"/admin/analytics/{slug}/{OCTOBER}")

    assert page.status_code == 200
    built = SECTIONS[slug].build(*_period_and_now(page))
    html = page.content.decode()
    for block in built.blocks:
        assert block.chart is None or "<svg" in html
        download = analyst.get(f"/admin/analytics/{slug}/{OCTOBER}&csv={block.table.name}")
        assert download.status_code == 200
        rows = list(csv.reader(io.StringIO(download.content.decode())))
        assert len(rows) == len(block.table.rows) + 1  # the header, then every row


def _period_and_now(page):
    return page.context["period"], at("2026-10-31", 23)


def test_the_overview_shows_octobers_figures_in_each_currency(analyst, shop):
    dollars = analyst.get(f"/admin/analytics/overview/{OCTOBER}&currency=USD").content.decode()
    rupiah = analyst.get(f"/admin/analytics/overview/{OCTOBER}&currency=IDR").content.decode()

    assert "$20.00" in dollars  # net revenue: Ana's $5.00, Carl's $15.00
    assert "$18.00" in dollars  # September's, beside it
    assert "-Rp 135.000" in rupiah  # Tia's refund, taken off October


def test_a_page_costs_the_same_queries_whatever_was_sold(analyst, shop):
    def queries(slug: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert analyst.get(f"/admin/analytics/{slug}/{OCTOBER}").status_code == 200
        return len(captured)

    before = {slug: queries(slug) for slug in SECTIONS}
    for n in range(5):
        checkout(
            Line(shop["jp"], quantity=2),
            Line(shop["th"]),
            created=at("2026-10-20"),
            paid=at("2026-10-20", 13),
            email=f"more{n}@example.com",
            source=f"campaign-{n}",
        )
    refresh.refresh(now=at("2026-10-31", 23))

    assert {slug: queries(slug) for slug in SECTIONS} == before
