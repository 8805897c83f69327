"""The admin and the API docs work under the Content-Security-Policy: the fixture `open_page`
fails the test for anything the policy blocks, and these pages need scripts to work."""

from playwright.sync_api import Page, expect

from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.e2e import harness


def test_the_admin_works_under_the_policy(page: Page):
    UserFactory.create(email="boss@example.com", is_staff=True, is_superuser=True)

    page.goto("/admin/login/")
    page.get_by_label("Email").fill("boss@example.com")
    page.get_by_label("Password").fill(DEFAULT_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_text("Store console")).to_be_visible()

    # A change list with actions (admin scripts) and django-celery-beat's form with the
    # crontab help that its own template would have written as an inline script.
    page.goto("/admin/django_celery_beat/periodictask/")
    expect(page.locator("#changelist")).to_be_visible()
    page.goto("/admin/django_celery_beat/periodictask/add/")
    expect(page.locator("#id_crontab")).to_be_visible()
    # An email's HTML (inline styles, data: QR codes) in a srcdoc frame, under this policy.
    page.goto("/admin/orders/emaillog/preview/esim_delivery/")
    frame = page.frame_locator("iframe")
    expect(frame.get_by_role("img").first).to_be_visible()


def test_the_api_docs_render_from_our_own_files(page: Page):
    page.goto("/api/docs/")

    expect(page.locator(".swagger-ui .info .title")).to_contain_text("HIROAM API")
    expect(page.locator(".opblock").first).to_be_visible()


def test_what_the_policy_blocks_is_reported(browser, base_url):
    """The check every browser test relies on can fail: a blocked image is reported."""
    violations: list[str] = []
    context = browser.new_context(base_url=base_url)
    context.add_init_script(harness.CSP_VIOLATION_LISTENER)
    context.on("console", lambda message: harness.record_csp_violation(message, violations))
    page = context.new_page()
    page.goto("/")

    page.evaluate(
        """() => document.body.insertAdjacentHTML(
            "beforeend", '<img alt="" src="https://example.com/pixel.png">')"""
    )
    page.wait_for_timeout(200)
    context.close()

    assert any("img-src blocked https://example.com/pixel.png" in text for text in violations)
