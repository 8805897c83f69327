import pytest
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.test import override_settings

from tests.conftest import ThrottleClock

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
