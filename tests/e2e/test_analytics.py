"""The Analytics dashboard in a browser: it renders under the admin's Content-Security-Policy
(the `page` fixture fails on anything blocked) with no serious accessibility problem, on a
phone and on a desktop."""

import pytest
from playwright.sync_api import Page, expect

from analytics import sections
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.analytics import fake_section


@pytest.fixture(autouse=True)
def frame_section(monkeypatch):
    monkeypatch.setitem(sections.SECTIONS, fake_section.SLUG, fake_section.SPEC)


def test_a_section_page_works_under_the_policy(page: Page, check_accessibility):
    UserFactory.create(email="boss@example.com", is_staff=True, is_superuser=True)
    page.goto("/admin/login/?next=/admin/analytics/")
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Analytics · Overview")).to_be_visible()

    page.get_by_role("link", name="Frame test").first.click()
    page.get_by_label("Currency").select_option("IDR")
    page.get_by_role("button", name="Show").click()

    expect(page.get_by_role("img", name="Revenue", exact=True)).to_be_visible()
    expect(page.get_by_role("cell", name="Rp 123.456")).to_be_visible()
    check_accessibility(page)
