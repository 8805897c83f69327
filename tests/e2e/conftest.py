"""Fixtures for the browser tests: one headless Chromium (Debian's) for all of them, a fresh
browser context per test at a phone and at a desktop width, the live server as the base URL,
screenshots and the accessibility check. Every test here is marked `e2e` and `slow`."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright

from tests.e2e import harness
from tests.e2e.harness import VIEWPORTS, Viewport

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # This hook sees every test of the run, not only those in this folder.
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="package", autouse=True)
def orm_beside_playwright() -> Iterator[None]:
    """Playwright's sync API keeps its asyncio loop marked as running in this thread while it is
    started, so Django's async-unsafe guard would refuse the test's own ORM calls (factories,
    assertions, the flush after a test) with SynchronousOnlyOperation. Nothing runs concurrently:
    the loop only turns inside Playwright's calls. The guard is lifted for this package only, and
    the browser stops when the package ends, so the tests after it keep the guard."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        yield


@pytest.fixture(scope="package")
def browser(orm_beside_playwright: None) -> Iterator[Browser]:
    executable = harness.chromium_executable()
    if not Path(executable).is_file():
        reason = (
            f"No Chromium at {executable}: `apt-get install chromium` (Debian's), or point "
            "HIROAM_CHROMIUM at one."
        )
        if harness.is_browser_required():
            pytest.fail(f"{reason} (HIROAM_REQUIRE_BROWSER=1 forbids skipping)", pytrace=False)
        pytest.skip(reason)
    # Playwright talks to its driver and the driver to Chromium over pipes, never sockets.
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(
            executable_path=executable,
            headless=True,
            chromium_sandbox=False,  # passes --no-sandbox: root (CI, containers) has no sandbox
            args=harness.CHROMIUM_ARGS,
        )
        yield chromium
        chromium.close()


@pytest.fixture(params=VIEWPORTS, ids=[viewport.name for viewport in VIEWPORTS])
def viewport(request: pytest.FixtureRequest) -> Viewport:
    return request.param


@pytest.fixture
def base_url(live_server, transactional_db) -> str:
    # Rows a test writes are committed (transactional_db), so the live server's thread sees them.
    return live_server.url


@pytest.fixture
def open_page(browser: Browser, viewport: Viewport, base_url: str) -> Iterator[Callable[[], Page]]:
    """Opens a page in a new browser context (no cookies or storage shared with other pages) at
    this test's viewport: `page` is the first; call it again for a second, fresh visitor.

    Every page reports what the Content-Security-Policy blocked; the test fails if anything
    was (a script, a style or a frame the policy does not allow would not work for customers)."""
    contexts: list[BrowserContext] = []
    violations: list[str] = []

    def open_fresh_page() -> Page:
        context = browser.new_context(
            base_url=base_url, locale="en-US", timezone_id="UTC", **viewport.context_options()
        )
        contexts.append(context)
        context.add_init_script(harness.CSP_VIOLATION_LISTENER)
        context.on("console", lambda message: harness.record_csp_violation(message, violations))
        return context.new_page()

    yield open_fresh_page
    for context in contexts:
        context.close()
    assert not violations, "The Content-Security-Policy blocked:\n" + "\n".join(violations)


@pytest.fixture
def page(open_page: Callable[[], Page]) -> Page:
    return open_page()


@pytest.fixture
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where `screenshot` writes: docs/screenshots only when asked (`make screenshots` sets
    HIROAM_SCREENSHOT_DIR), so a test run never rewrites the pictures in the docs."""
    chosen = os.environ.get("HIROAM_SCREENSHOT_DIR")
    return Path(chosen) if chosen else tmp_path_factory.mktemp("screenshots")


@pytest.fixture
def screenshot(viewport: Viewport, screenshot_dir: Path) -> Callable[[Page, str], Path]:
    """`screenshot(page, name)`: the whole page as `{name}-{phone|desktop}.png`."""

    def take(page: Page, name: str) -> Path:
        return harness.save_screenshot(page, screenshot_dir / f"{name}-{viewport.name}.png")

    return take


@pytest.fixture
def check_accessibility() -> Callable[[Page], None]:
    """`check_accessibility(page)`: fails on any serious or critical axe-core violation."""
    return harness.check_accessibility
