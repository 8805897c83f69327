"""The browser-test harness works: Debian's Chromium opens the live server's pages, with their
static files, at a phone and a desktop width; screenshots land where asked; a second page is a
fresh visitor; the accessibility check fails on a serious violation and passes once it is fixed."""

import re
import struct
from pathlib import Path

import pytest
from playwright.sync_api import Response, expect


@pytest.fixture
def screenshot_dir(tmp_path: Path) -> Path:
    return tmp_path / "screenshots"  # a harness check, not a picture for docs/screenshots


def png_width(path: Path) -> int:
    header = path.read_bytes()[:24]
    assert header.startswith(b"\x89PNG\r\n\x1a\n"), f"{path} is not a PNG"
    return struct.unpack(">I", header[16:20])[0]  # the IHDR chunk's width


def test_the_admin_login_page_renders_with_its_stylesheets(
    page, base_url, viewport, screenshot, screenshot_dir
):
    responses: list[Response] = []
    page.on("response", lambda response: responses.append(response))  # a builtin won't do

    page.goto("/admin/login/")

    expect(page).to_have_title("Log in | HIROAM admin")
    assert page.evaluate("window.innerWidth") == viewport.width
    # Served from the apps' static/ folders by the live server, with DEBUG off.
    stylesheets = [r for r in responses if r.request.resource_type == "stylesheet"]
    assert stylesheets, "the page loaded no stylesheet"
    for response in stylesheets:
        assert response.url.startswith(f"{base_url}/static/"), response.url
        assert response.status == 200, response.url
        assert response.headers["content-type"].startswith("text/css"), response.url
    path = screenshot(page, "harness-admin-login")
    assert path == screenshot_dir / f"harness-admin-login-{viewport.name}.png"
    assert png_width(path) == viewport.width


def test_a_second_page_is_a_fresh_visitor(page, open_page):
    page.goto("/admin/login/")
    assert [cookie["name"] for cookie in page.context.cookies()] == ["csrftoken"]

    stranger = open_page()

    assert stranger.context is not page.context
    assert stranger.context.cookies() == []


FORM = """<!doctype html>
<html lang="en"><head><title>Sign up</title></head>
<body><main><h1>Sign up</h1><form>{field}<button type="submit">Send</button></form></main>
<p>Outside every landmark: a moderate finding (region), which must not fail the check.</p>
</body></html>"""


def test_the_accessibility_check_fails_on_an_unlabelled_field(page, check_accessibility):
    page.set_content(FORM.format(field='<input id="email" type="email">'))

    with pytest.raises(AssertionError, match=re.escape("[critical] label:")) as failure:
        check_accessibility(page)
    assert "      #email" in str(failure.value).splitlines()


def test_the_accessibility_check_passes_once_the_field_is_labelled(page, check_accessibility):
    page.set_content(
        FORM.format(field='<label for="email">Email</label><input id="email" type="email">')
    )

    check_accessibility(page)
