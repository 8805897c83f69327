import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.models import User
from tests.accounts.factories import DEFAULT_PASSWORD, UserFactory
from tests.conftest import ThrottleClock, unreachable_cache

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("throttle_clock")]

LOGIN = "/api/v1/auth/login"
WRONG = {"email": "nobody@example.com", "password": "wrong-password-1"}


def _rates(**overrides):
    return override_settings(THROTTLE_RATES={**settings.THROTTLE_RATES, **overrides})


def test_the_request_past_the_limit_gets_a_429_with_headers(api_client):
    with _rates(login="2/min"):
        first = api_client.post(LOGIN, WRONG, format="json")
        second = api_client.post(LOGIN, WRONG, format="json")
        third = api_client.post(LOGIN, WRONG, format="json")

    assert [first.status_code, second.status_code] == [401, 401]
    assert first["X-RateLimit-Limit"] == "2"
    assert first["X-RateLimit-Remaining"] == "1"
    assert second["X-RateLimit-Remaining"] == "0"
    assert third.status_code == 429
    assert third.json()["error"]["code"] == "RATE_LIMITED"
    window_end = ThrottleClock.HOUR_START + 60  # the clock stands 5 s into this minute
    assert third["X-RateLimit-Reset"] == str(window_end)
    assert third["Retry-After"] == "55"
    assert third["X-RateLimit-Remaining"] == "0"


def test_a_new_window_brings_a_new_allowance(api_client, throttle_clock):
    with _rates(login="1/min"):
        api_client.post(LOGIN, WRONG, format="json")
        throttle_clock.advance(54)
        still_refused = api_client.post(LOGIN, WRONG, format="json")
        throttle_clock.advance(1)  # the next minute begins
        allowed = api_client.post(LOGIN, WRONG, format="json")

    assert still_refused.status_code == 429
    assert still_refused["Retry-After"] == "1"
    assert allowed.status_code == 401
    assert allowed["X-RateLimit-Reset"] == str(ThrottleClock.HOUR_START + 120)


def test_a_window_counter_expires_with_its_window_and_is_never_extended(api_client):
    cache = caches["default"]
    assert isinstance(cache, RedisCache)
    client = cache._cache.get_client(write=True)
    with _rates(login="5/min"):
        api_client.post(LOGIN, WRONG, format="json")
        (key,) = client.keys("hiroam:*throttle:login:*")
        first_ttl = client.ttl(key)
        client.expire(key, 30)  # as if the window's first request came 30 s ago
        api_client.post(LOGIN, WRONG, format="json")

    assert 58 <= first_ttl <= 60  # the window's length, no more
    assert client.get(key) == b"2"
    assert 0 < client.ttl(key) <= 30


def test_clients_are_counted_separately(api_client):
    with _rates(login="1/min"):
        api_client.post(LOGIN, WRONG, format="json", REMOTE_ADDR="198.51.100.1")
        other = api_client.post(LOGIN, WRONG, format="json", REMOTE_ADDR="198.51.100.2")

    assert other.status_code == 401


def test_a_forged_forwarded_for_does_not_buy_a_new_allowance(api_client):
    with _rates(login="1/min"):
        api_client.post(LOGIN, WRONG, format="json", HTTP_X_FORWARDED_FOR="203.0.113.1")
        second = api_client.post(LOGIN, WRONG, format="json", HTTP_X_FORWARDED_FOR="203.0.113.2")

    assert second.status_code == 429


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(api_client):
    with _rates(login="1/min"), override_settings(TRUSTED_PROXIES=["10.0.0.0/8"]):
        api_client.post(
            LOGIN, WRONG, format="json", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.1"
        )
        other_client = api_client.post(
            LOGIN, WRONG, format="json", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.2"
        )
        same_client = api_client.post(
            LOGIN,
            WRONG,
            format="json",
            REMOTE_ADDR="10.0.0.5",
            HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.1",  # a spoofed hop on the left is ignored
        )

    assert other_client.status_code == 401
    assert same_client.status_code == 429


def test_throttling_can_be_switched_off_for_load_tests(api_client):
    with _rates(login="1/min"), override_settings(THROTTLING_ENABLED=False):
        responses = [api_client.post(LOGIN, WRONG, format="json") for _ in range(3)]

    assert [response.status_code for response in responses] == [401, 401, 401]
    assert "X-RateLimit-Limit" not in responses[0]


# ---------------------------------------------------------------- login per email tried


def _login(client, email, remote):
    body = {"email": email, "password": "wrong-password-1"}
    return client.post(LOGIN, body, format="json", REMOTE_ADDR=remote)


def test_login_attempts_are_also_counted_per_email_from_any_client(api_client):
    with _rates(login="100/min", login_email="2/hour"):
        first = _login(api_client, "victim@example.com", "198.51.100.1")
        second = _login(api_client, "VICTIM@example.com ", "198.51.100.2")
        third = _login(api_client, "victim@example.com", "198.51.100.3")
        other_account = _login(api_client, "someone@example.com", "198.51.100.3")

    assert [first.status_code, second.status_code, third.status_code] == [401, 401, 429]
    assert first["X-RateLimit-Limit"] == "2"  # the scope closest to its limit is reported
    assert third["X-RateLimit-Reset"] == str(ThrottleClock.HOUR_START + 3600)
    assert third["Retry-After"] == str(3600 - 5)
    assert other_account.status_code == 401


def test_a_client_over_its_own_limit_does_not_use_up_an_email_allowance(api_client):
    with _rates(login="1/min", login_email="2/hour"):
        _login(api_client, "victim@example.com", "198.51.100.1")
        for _ in range(3):
            _login(api_client, "victim@example.com", "198.51.100.1")  # refused per client
        from_elsewhere = _login(api_client, "victim@example.com", "198.51.100.2")

    assert from_elsewhere.status_code == 401


def test_rate_limit_keys_hold_no_email_or_address_in_clear(api_client):
    cache = caches["default"]
    assert isinstance(cache, RedisCache)

    _login(api_client, "victim@example.com", "198.51.100.1")

    keys = " ".join(str(key) for key in cache._cache.get_client().keys("*throttle*"))
    assert keys.count("throttle:") == 2  # login (per client) and login_email
    assert "victim" not in keys
    assert "198.51.100.1" not in keys


# ---------------------------------------------------------------- Redis down


def test_login_and_registration_refuse_while_the_counter_is_down(api_client):
    user = UserFactory.create(email="known@example.com")

    with unreachable_cache():
        login = api_client.post(
            LOGIN, {"email": user.email, "password": DEFAULT_PASSWORD}, format="json"
        )
        register = api_client.post(
            "/api/v1/auth/register",
            {"email": "new@example.com", "password": "sunrise over Bali 2026"},
            format="json",
        )

    for response in (login, register):
        assert response.status_code == 503
        assert response.json()["success"] is False
        assert response.json()["error"]["code"] == "SERVICE_UNAVAILABLE"
    user.refresh_from_db()
    assert user.last_login is None
    assert not OutstandingToken.objects.exists()  # no token was issued
    assert list(User.objects.values_list("email", flat=True)) == ["known@example.com"]


def test_other_endpoints_stay_open_while_the_counter_is_down(signed_in_client, api_client):
    with unreachable_cache():
        me = signed_in_client.get("/api/v1/me")
        refresh = api_client.post("/api/v1/auth/refresh", {"refresh": "garbage"}, format="json")

    assert me.status_code == 200
    assert "X-RateLimit-Limit" not in me
    assert refresh.status_code == 401  # the view ran: refused on its merits, not as a 503
    assert refresh.json()["error"]["code"] == "INVALID_TOKEN"
