"""The Analytics section of Admin as staff meet it: who gets in, the index entry, a section's
page (period form, figures, charts, tables), its CSV downloads, and bad input never breaking
the page."""

import re
from datetime import UTC, datetime

import pytest
from django.contrib.auth.models import Permission
from django.utils.html import escape

from accounts.roles import ADMIN, MANAGE_ORDERS, MANAGE_USERS, ROLES, SUPER_ADMIN, VIEW_ANALYTICS
from accounts.services import apply_roles
from analytics import sections
from analytics.models import RefreshState
from tests.accounts.factories import UserFactory, staff_member
from tests.analytics import fake_section

pytestmark = pytest.mark.django_db

PAGE = f"/admin/analytics/{fake_section.SLUG}/"


@pytest.fixture(autouse=True)
def frame_section(monkeypatch):
    monkeypatch.setitem(sections.SECTIONS, fake_section.SLUG, fake_section.SPEC)


@pytest.fixture
def roles():
    apply_roles(ROLES)


@pytest.fixture
def analyst(client, roles):
    client.force_login(staff_member(VIEW_ANALYTICS.name))
    return client


def test_anonymous_visitors_are_sent_to_the_admin_login(client):
    response = client.get(PAGE)

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/login/?next=/admin/analytics/")


def test_staff_without_view_analytics_get_403_and_no_analytics_in_the_index(client, roles):
    client.force_login(staff_member(MANAGE_ORDERS.name))

    assert client.get("/admin/analytics/").status_code == 403
    assert client.get("/admin/analytics/overview/").status_code == 403
    assert client.get(PAGE + "?csv=revenue").status_code == 403
    index = client.get("/admin/").content.decode()
    assert "/admin/analytics/" not in index
    assert "Analytics" not in index


@pytest.mark.parametrize("role", [VIEW_ANALYTICS, ADMIN, SUPER_ADMIN])
def test_analysts_and_admins_read_the_dashboard(client, roles, role):
    client.force_login(staff_member(role.name))

    assert client.get("/admin/analytics/overview/").status_code == 200


@pytest.mark.parametrize("role", [MANAGE_ORDERS, MANAGE_USERS])
def test_roles_that_run_the_shop_day_to_day_do_not(client, roles, role):
    client.force_login(staff_member(role.name))

    assert client.get("/admin/analytics/overview/").status_code == 403


def test_the_index_lists_analytics_with_a_row_per_page(analyst):
    index = analyst.get("/admin/").content.decode()

    assert 'href="/admin/analytics/"' in index  # the app's heading
    for slug, title in [("overview", "Overview"), ("products", "Products &amp; places")]:
        assert f'<a href="/admin/analytics/{slug}/">{title}</a>' in index


def test_a_superuser_sees_analytics_in_the_index(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    index = client.get("/admin/").content.decode()

    assert '<a href="/admin/analytics/overview/">Overview</a>' in index


def test_the_section_root_opens_the_overview_with_the_same_period(analyst):
    response = analyst.get("/admin/analytics/?start=2026-01-01&currency=IDR")

    assert response.status_code == 302
    assert response["Location"] == "/admin/analytics/overview/?start=2026-01-01&currency=IDR"


def test_an_unknown_page_is_404(analyst):
    assert analyst.get("/admin/analytics/no-such-page/").status_code == 404


def test_every_registered_page_renders_even_before_its_builder_is_written(analyst):
    for slug, spec in sections.SECTIONS.items():
        response = analyst.get(f"/admin/analytics/{slug}/")
        assert response.status_code == 200, slug
        assert f"<title>Analytics · {escape(spec.title)} |" in response.content.decode()


def test_the_page_shows_its_period_figures_chart_and_tables(analyst):
    response = analyst.get(PAGE + "?start=2026-03-01&end=2026-03-31&currency=USD")
    html = response.content.decode()

    assert response.status_code == 200
    assert "Analytics · Frame test" in html
    assert "compared with 2026-01-29 – 2026-02-28" in html  # noqa: RUF001
    # Figures: this period, the previous one, the change.
    assert "$2,233.56" in html and "previous: $1,500.00" in html
    assert "▲ 48.90 %" in html
    assert "12.34 %" in html and "previous: —" in html
    # A chart, drawn on the server; the tables under it with their numbers right-aligned.
    assert '<svg class="analytics-chart chart-columns"' in html
    assert '<td class="number">$1,234.56</td>' in html
    assert '<td class="number">12.50 %</td>' in html
    # The hostile package name is text everywhere, never markup.
    assert '<script>alert("x")' not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html


def test_the_form_shows_the_period_it_read(analyst):
    html = analyst.get(
        PAGE + "?start=2026-01-01&end=2026-06-30&currency=idr&granularity=Week"
    ).content.decode()

    assert 'name="start" value="2026-01-01"' in html
    assert 'name="end" value="2026-06-30"' in html
    assert '<option value="IDR" selected>IDR</option>' in html
    assert '<option value="week" selected>Week</option>' in html


def test_the_automatic_granularity_says_what_it_chose(analyst):
    html = analyst.get(PAGE + "?start=2026-01-01&end=2026-06-30").content.decode()

    assert '<option value="" selected>Automatic (month)</option>' in html
    assert "2026-01 · This period: $1,234.56" in html  # the chart's first bucket is a month


def test_the_section_nav_keeps_the_period(analyst):
    html = analyst.get(PAGE + "?start=2026-03-01&end=2026-03-31&currency=IDR").content.decode()

    assert (
        '<a href="/admin/analytics/funnel/?start=2026-03-01&amp;end=2026-03-31&amp;currency=IDR">'
        "Funnel</a>"
    ) in html
    assert 'class="current" aria-current="page"' in html


def test_idr_is_written_in_rupiah(analyst):
    html = analyst.get(PAGE + "?start=2026-03-01&end=2026-03-31&currency=IDR").content.decode()

    assert "Rp 123.456" in html


def test_the_csv_link_downloads_that_table_for_the_same_period(analyst):
    html = analyst.get(PAGE + "?start=2026-03-01&end=2026-03-31").content.decode()
    link = "?start=2026-03-01&amp;end=2026-03-31&amp;csv=revenue"
    assert f'<a href="{link}">Download CSV</a>' in html

    response = analyst.get(PAGE + link.replace("&amp;", "&"))

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == (
        f'attachment; filename="hiroam-{fake_section.SLUG}-revenue-2026-03-01-2026-03-31.csv"'
    )
    assert response.content.decode().splitlines() == [
        "Bucket,Revenue (USD),Conversion (%)",
        "2026-03-01,1234.56,12.50",
        "2026-03-02,0.00,12.50",
        "2026-03-03,999.00,12.50",
    ]


def test_an_unknown_table_is_404(analyst):
    assert analyst.get(PAGE + "?csv=nope").status_code == 404


def test_pages_and_downloads_are_never_cached_by_anyone_else(analyst):
    for response in (analyst.get(PAGE), analyst.get(PAGE + "?csv=revenue")):
        directives = {part.strip() for part in response["Cache-Control"].split(",")}
        assert {"private", "no-store"} <= directives


def test_an_empty_table_name_is_404(analyst):
    response = analyst.get(
        PAGE + "?start=2026-02-30&end=2999-01-01&currency=EUR&granularity=hour&csv="
    )

    assert response.status_code == 404  # an empty table name is no table


def test_bad_parameters_never_break_the_page(analyst):
    response = analyst.get(PAGE + "?start=2026-02-30&end=2999-01-01&currency=EUR&granularity=hour")
    html = response.content.decode()

    assert response.status_code == 200
    assert 'id="analytics-start-error">“2026-02-30” is not a date' in html
    assert 'id="analytics-end-error">2999-01-01 is in the future' in html
    assert 'id="analytics-currency-error">Choose USD or IDR.' in html
    assert 'id="analytics-granularity-error">Choose day, week or month.' in html
    assert "Revenue over time" in html  # the default period is shown


@pytest.mark.parametrize(
    "query",
    [
        "?start=%00&end=%ff",
        "?start=0001-01-01&end=0001-01-02",
        "?start=9999-12-31",
        "?start[]=1&currency=" + "x" * 5000,
        "?granularity=%3Cscript%3E",
    ],
)
def test_hostile_parameters_answer_200(analyst, query):
    assert analyst.get(PAGE + query).status_code == 200


def test_the_page_says_when_the_figures_were_refreshed(analyst):
    assert "Figures: not refreshed yet." in analyst.get(PAGE).content.decode()

    RefreshState.objects.create(id=1, refreshed_at=datetime(2026, 11, 25, 14, 5, tzinfo=UTC))

    assert "Figures as of 2026-11-25 14:05 UTC." in analyst.get(PAGE).content.decode()


def test_the_page_has_no_inline_script_and_loads_only_our_own_files(analyst):
    response = analyst.get(PAGE)
    html = response.content.decode()
    script_policy = response["Content-Security-Policy"].split("script-src")[1].split(";")[0]

    assert "'unsafe-inline'" not in script_policy
    assert re.findall(r"<script[^>]*>", html) == re.findall(r"<script src=\"/static/[^>]*>", html)
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", html)
    assert '<link rel="stylesheet" href="/static/analytics/dashboard.css">' in html


def test_the_permission_exists_for_roles_to_hold():
    assert Permission.objects.filter(
        content_type__app_label="analytics", codename="view_analytics"
    ).exists()
