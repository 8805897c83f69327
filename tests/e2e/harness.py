"""The browser-test harness: which Chromium, the two viewports, the axe-core
accessibility check and screenshots. The fixtures that use it are in conftest.py."""

import os
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import ConsoleMessage, Page

REPO = Path(__file__).resolve().parents[2]
# Debian's package (.ci/run installs it): Playwright's own browser download does not work here.
DEFAULT_CHROMIUM = "/usr/bin/chromium"
AXE_SCRIPT = REPO / "node_modules" / "axe-core" / "axe.min.js"
BLOCKING_IMPACTS = ["serious", "critical"]

# Tests never reach the network (pytest-socket guards this process, not the browser's): every
# host name but the live server's fails to resolve, at once rather than after a DNS timeout.
CHROMIUM_ARGS = ["--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE localhost"]


@dataclass(frozen=True)
class Viewport:
    name: str
    width: int
    height: int
    is_mobile: bool = False

    def context_options(self) -> dict[str, Any]:
        # A mobile viewport honours <meta name="viewport"> and sends touch events, as a phone does.
        return {
            "viewport": {"width": self.width, "height": self.height},
            "is_mobile": self.is_mobile,
            "has_touch": self.is_mobile,
        }


PHONE = Viewport("phone", 390, 844, is_mobile=True)
DESKTOP = Viewport("desktop", 1280, 800)
VIEWPORTS = [PHONE, DESKTOP]


def chromium_executable() -> str:
    return os.environ.get("HIROAM_CHROMIUM") or DEFAULT_CHROMIUM


def is_browser_required() -> bool:
    """CI sets HIROAM_REQUIRE_BROWSER=1: there a missing browser fails instead of skipping."""
    return os.environ.get("HIROAM_REQUIRE_BROWSER") == "1"


@cache
def axe_source() -> str:
    if not AXE_SCRIPT.is_file():
        pytest.fail(f"{AXE_SCRIPT} is missing: run `make install` (it runs npm ci).", pytrace=False)
    return AXE_SCRIPT.read_text()


# Only what a failure message needs crosses back from the page.
RUN_AXE = """async (impacts) => {
    const results = await axe.run(document, {resultTypes: ["violations"]});
    return results.violations
        .filter((violation) => impacts.includes(violation.impact))
        .map((violation) => ({
            id: violation.id,
            impact: violation.impact,
            help: violation.help,
            targets: violation.nodes.map((node) => node.target.map(String).join(" >> ")),
        }));
}"""


def check_accessibility(page: Page) -> None:
    """Fails listing every serious or critical axe-core violation on the page as it is now."""
    if page.evaluate("typeof window.axe") == "undefined":
        # Evaluated rather than added as a <script>, so a page's Content-Security-Policy
        # cannot refuse it.
        page.evaluate(axe_source())
    violations = page.evaluate(RUN_AXE, BLOCKING_IMPACTS)
    if violations:
        lines = [f"axe-core: {len(violations)} serious or critical violation(s) on {page.url}:"]
        for violation in violations:
            lines.append(f"  [{violation['impact']}] {violation['id']}: {violation['help']}")
            lines.extend(f"      {target}" for target in violation["targets"])
        raise AssertionError("\n".join(lines))


# Run in every page before its own scripts: each thing the Content-Security-Policy blocks is
# written to the console, where the test collects it (Chromium's own "Refused to ..." console
# errors are collected too).
CSP_VIOLATION_LISTENER = """
document.addEventListener("securitypolicyviolation", (event) => {
    console.error(`CSP violation: ${event.effectiveDirective} blocked `
        + `${event.blockedURI || "an inline script or style"} on ${event.documentURI}`);
});
"""


def record_csp_violation(message: ConsoleMessage, violations: list[str]) -> None:
    text = message.text
    if message.type == "error" and (
        text.startswith("CSP violation") or "Content Security Policy" in text
    ):
        violations.append(text)


def save_screenshot(page: Page, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=path, full_page=True, animations="disabled")
    return path
