"""Hypothesis against the webhooks, which the public schema leaves out: whatever arrives, the
answer is the envelope and never a 5xx, and nothing is stored or queued unless it is signed
(Paddle) or comes from an allowed address (eSIM Access)."""

import json
import time

import pytest
from django.conf import settings
from hypothesis import HealthCheck, example, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from hiroam.integrations.paddle.signature import signature_header
from orders.models import WebhookLog
from tests.fuzz.envelope import assert_envelope, fuzz_examples, rolled_back_request

PADDLE = "/webhooks/paddle"
ESIM_ACCESS = "/webhooks/esim-access"

FUZZ_SETTINGS = hypothesis_settings(
    max_examples=fuzz_examples(25),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
# Events shaped enough to pass the first checks, with anything in their fields.
paddle_events = st.fixed_dictionaries(
    {"event_type": json_values},
    optional={
        "event_id": json_values,
        "occurred_at": json_values | st.datetimes().map(lambda at: at.isoformat()),
        "data": json_values,
    },
)
esim_events = st.fixed_dictionaries(
    {"notifyType": json_values},
    optional={
        "notifyId": json_values,
        "eventGenerateTime": json_values | st.datetimes().map(lambda at: at.isoformat()),
        "content": json_values,
    },
)
# What JSON allows that PostgreSQL's jsonb does not (NUL characters), or Python's json reads
# although it is not JSON (NaN, Infinity).
awkward_json = st.sampled_from(
    [
        b'{"event_type": "transaction.completed", "event_id": "evt_\\u0000"}',
        b'{"event_type": "x\\u0000", "data": {"id": "\\u0000"}}',
        b'{"event_type": "transaction.completed", "data": NaN}',
        b'{"notifyType": "ORDER_STATUS", "content": Infinity}',
        b'{"event_type": "x", "occurred_at": "2026-13-45T25:61:00"}',
        b'{"notifyType": "x", "eventGenerateTime": "2026-02-30T10:00:00Z"}',
    ]
)
bodies = (
    st.binary(max_size=300)
    | json_values.map(lambda value: json.dumps(value).encode())
    | paddle_events.map(lambda event: json.dumps(event).encode())
    | esim_events.map(lambda event: json.dumps(event).encode())
    | awkward_json
)
content_types = st.sampled_from(
    ["application/json", "text/plain", "application/x-www-form-urlencoded", "multipart/form-data"]
)


def _garbled_signatures(body):
    """Paddle-Signature headers that must all be refused for `body`."""
    now = int(time.time())
    secret = settings.PADDLE_WEBHOOK_SECRETS[0]
    good = signature_header(secret=secret, body=body, timestamp=now)
    return st.one_of(
        st.none(),
        st.text(max_size=80),
        st.just(signature_header(secret="not-our-secret", body=body, timestamp=now)),
        st.just(signature_header(secret=secret, body=body + b" ", timestamp=now)),
        st.just(signature_header(secret=secret, body=body, timestamp=now - 3600)),
        st.just(good.replace("h1=", "h1=0")),
        st.just(good.upper()),
        st.just(good.replace("ts=", "ts=²")),  # a digit to str.isdigit, not to int()
        # Longer than int() reads (4300 digits).
        st.text(alphabet="0123456789", min_size=1, max_size=5000).map(lambda n: f"ts={n};h1=00"),
        st.text(alphabet="ts=h1;0123456789abcdef ", max_size=90),
    )


def _post(client, path, body, content_type, **headers):
    with rolled_back_request():
        response = client.generic("POST", path, body, content_type=content_type, **headers)
    return response


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(data=st.data(), body=bodies, content_type=content_types)
def test_paddle_webhook_with_a_bad_signature_is_refused_and_never_stored(
    client, data, body, content_type
):
    header = data.draw(_garbled_signatures(body), label="Paddle-Signature")
    headers = {} if header is None else {"HTTP_PADDLE_SIGNATURE": header}

    response = _post(client, PADDLE, body, content_type, **headers)

    assert_envelope(response.status_code, response.content, what=f"signature {header!r}")
    assert response.status_code == 401
    assert not WebhookLog.objects.exists()


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(body=bodies, content_type=content_types)
@example(body=b'{"event_type": "x", "event_id": "a\\u0000"}', content_type="application/json")
def test_paddle_webhook_signed_with_any_body_answers_the_envelope(client, body, content_type):
    header = signature_header(
        secret=settings.PADDLE_WEBHOOK_SECRETS[0], body=body, timestamp=int(time.time())
    )

    response = _post(client, PADDLE, body, content_type, HTTP_PADDLE_SIGNATURE=header)

    assert_envelope(response.status_code, response.content, what=repr(body[:200]))


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(body=bodies, address=st.ip_addresses().map(str), content_type=content_types)
def test_esim_access_webhook_from_another_address_is_refused_and_never_stored(
    client, settings, body, address, content_type
):
    settings.ESIM_WEBHOOK_ALLOWED_IPS = ["3.1.131.226"]
    settings.TRUSTED_PROXIES = []

    response = _post(client, ESIM_ACCESS, body, content_type, REMOTE_ADDR=address)

    assert_envelope(response.status_code, response.content, what=address)
    assert response.status_code == 403
    assert not WebhookLog.objects.exists()


@pytest.mark.django_db
@FUZZ_SETTINGS
@given(body=bodies, content_type=content_types)
def test_esim_access_webhook_from_its_address_with_any_body_answers_the_envelope(
    client, settings, body, content_type
):
    settings.ESIM_WEBHOOK_ALLOWED_IPS = ["3.1.131.226"]
    settings.TRUSTED_PROXIES = []

    response = _post(client, ESIM_ACCESS, body, content_type, REMOTE_ADDR="3.1.131.226")

    assert_envelope(response.status_code, response.content, what=repr(body[:200]))


@pytest.mark.django_db
@pytest.mark.parametrize("path", [PADDLE, ESIM_ACCESS])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH"])
def test_webhooks_refuse_other_methods_in_the_envelope(client, path, method):
    response = client.generic(method, path, b"{}", content_type="application/json")

    assert response.status_code == 405
    assert_envelope(response.status_code, response.content, what=f"{method} {path}")


@pytest.mark.django_db
@pytest.mark.parametrize("path", [PADDLE, ESIM_ACCESS])
def test_a_huge_webhook_body_is_refused_in_the_envelope(client, settings, path):
    settings.ESIM_WEBHOOK_ALLOWED_IPS = ["127.0.0.1"]
    body = b'{"event_type": "' + b"x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1) + b'"}'
    header = signature_header(
        secret=settings.PADDLE_WEBHOOK_SECRETS[0], body=body, timestamp=int(time.time())
    )

    response = client.post(
        path, body, content_type="application/json", HTTP_PADDLE_SIGNATURE=header
    )

    assert_envelope(response.status_code, response.content, what=path)
    assert response.status_code in (400, 413)
    assert not WebhookLog.objects.exists()
