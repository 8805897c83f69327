"""Security headers on every kind of answer: the shop, the API, the admin and the API docs."""

import pytest

pytestmark = pytest.mark.django_db

TRANSACTION = "txn_01abcdefghijklmnopqrstuvwx"


def _policy(response):
    """The Content-Security-Policy as {directive: [sources]}."""
    return {
        name: sources
        for name, *sources in (
            part.split() for part in response["Content-Security-Policy"].split(";")
        )
    }


def _assert_common_headers(response):
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    policy = _policy(response)
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert policy["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"]
    assert "'unsafe-eval'" not in policy["script-src"]
    return policy


@pytest.mark.parametrize("path", ["/", "/packages", "/api/v1/packages", "/admin/login/"])
def test_every_area_sends_the_security_headers(client, path):
    response = client.get(path)

    assert response.status_code == 200
    _assert_common_headers(response)


def test_the_shop_allows_only_its_own_scripts_and_styles(client):
    policy = _policy(client.get("/"))

    assert policy["script-src"] == ["'self'"]
    assert policy["style-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'"]
    assert policy["form-action"] == ["'self'"]


def test_the_admin_allows_inline_styles_but_no_inline_script(client):
    policy = _policy(client.get("/admin/login/"))

    assert policy["style-src"] == ["'self'", "'unsafe-inline'"]
    assert policy["script-src"] == ["'self'"]


def test_the_api_docs_are_self_hosted(client):
    response = client.get("/api/docs/")
    page = response.content.decode()
    policy = _assert_common_headers(response)

    assert "cdn.jsdelivr.net" not in page
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in page
    assert "<script>" not in page  # the start script is a file: /api/docs/?script
    assert policy["script-src"] == ["'self'"]
    assert client.get("/api/docs/?script").status_code == 200


def test_the_pay_page_alone_may_load_paddle_and_its_inline_script_carries_the_nonce(
    client, settings
):
    settings.PADDLE_ENVIRONMENT = "production"
    settings.PADDLE_CLIENT_TOKEN = "live_0123456789abcdef"
    response = client.get(f"/pay?_ptxn={TRANSACTION}")
    policy = _assert_common_headers(response)
    nonce = next(source for source in policy["script-src"] if source.startswith("'nonce-"))

    assert policy["script-src"] == ["'self'", nonce, "https://cdn.paddle.com"]
    assert policy["frame-src"] == ["'self'", "https://buy.paddle.com"]
    assert f'<script nonce="{nonce[7:-1]}">' in response.content.decode()
    settings.PADDLE_ENVIRONMENT = "sandbox"
    sandbox = _policy(client.get(f"/pay?_ptxn={TRANSACTION}"))
    assert sandbox["frame-src"] == ["'self'", "https://sandbox-buy.paddle.com"]
    assert "cdn.paddle.com" not in client.get("/")["Content-Security-Policy"]


def test_hsts_and_secure_cookies_with_debug_off(client, settings):
    # hiroam.test_settings turns the secure-cookie flags off for the plain-HTTP live server;
    # production (hiroam.settings with DEBUG off) has them: tests/hiroam/test_deployment.py.
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
    response = client.get("/admin/login/", secure=True)

    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    csrf = response.cookies["csrftoken"]
    assert csrf["secure"] and csrf["httponly"] and csrf["samesite"] == "Lax"


def test_pages_outside_the_shop_style_themselves_with_the_nonce(client):
    response = client.get("/account/verify-email", {"token": "not-a-token"})
    page = response.content.decode()
    style_sources = _policy(response)["style-src"]

    assert 'style="' not in page
    assert f'<style nonce="{style_sources[1][7:-1]}">' in page
