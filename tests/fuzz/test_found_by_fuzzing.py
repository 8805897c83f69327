"""Regressions: each failure the fuzz run found, as a plain test."""

import time

import pytest
from django.conf import settings

from hiroam.integrations.paddle.signature import (
    WebhookSignatureError,
    signature_header,
    verify_signature,
)
from orders.models import WebhookLog

PADDLE = "/webhooks/paddle"
ESIM_ACCESS = "/webhooks/esim-access"


@pytest.mark.parametrize("timestamp", ["²1795614118", "9" * 5000])
def test_a_timestamp_int_cannot_read_is_a_malformed_signature_not_a_crash(timestamp):
    with pytest.raises(WebhookSignatureError, match="malformed"):
        verify_signature(header=f"ts={timestamp};h1=00", body=b"{}", secrets=["s"], now=time.time())


def _signed_post(client, body):
    header = signature_header(
        secret=settings.PADDLE_WEBHOOK_SECRETS[0], body=body, timestamp=int(time.time())
    )
    return client.post(PADDLE, body, content_type="application/json", HTTP_PADDLE_SIGNATURE=header)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "body",
    [
        b'{"event_type": "x", "event_id": "evt_\\u0000"}',  # text columns refuse NUL
        b'{"event_type": "x", "data": {"id": "\\u0000"}}',  # and so does jsonb
        b'{"event_type": "x", "data": NaN}',  # not JSON, though Python reads it
        b'{"event_type": "x", "data": "\\ud800"}',  # a lone surrogate: not UTF-8
    ],
)
def test_a_signed_event_postgresql_cannot_store_is_refused_not_a_500(client, body):
    response = _signed_post(client, body)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"
    assert not WebhookLog.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("occurred_at", ["2026-02-30T10:00:00Z", "0001-01-02T00:00:00"])
def test_an_event_at_an_impossible_or_naive_time_is_stored(client, occurred_at):
    body = f'{{"event_type": "x", "event_id": "evt_1", "occurred_at": "{occurred_at}"}}'.encode()

    response = _signed_post(client, body)

    assert response.status_code == 200
    log = WebhookLog.objects.get()
    assert log.occurred_at is None or log.occurred_at.tzinfo is not None


@pytest.mark.django_db
def test_a_webhook_is_acknowledged_in_the_envelope(client):
    response = _signed_post(client, b'{"event_type": "x", "event_id": "evt_1"}')

    assert response.json() == {"success": True, "data": {"received": True, "duplicate": False}}


@pytest.mark.django_db
@pytest.mark.parametrize("path", [PADDLE, ESIM_ACCESS])
def test_a_webhook_refuses_get_in_the_envelope(client, path):
    response = client.get(path)

    assert response.status_code == 405
    assert response["Allow"] == "POST"
    assert response.json()["error"]["code"] == "METHOD_NOT_ALLOWED"


@pytest.mark.django_db
def test_a_webhook_body_over_the_upload_limit_is_refused_in_the_envelope(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = _signed_post(client, b'{"event_type": "' + b"x" * 1000 + b'"}')

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"
    assert not WebhookLog.objects.exists()


@pytest.mark.django_db
def test_the_schema_says_which_inputs_refuse_blanks_and_lets_outputs_be_blank(client):
    schemas = client.get("/api/schema/", HTTP_ACCEPT="application/json").json()["components"][
        "schemas"
    ]

    assert schemas["LoginInput"]["properties"]["password"]["minLength"] == 1
    assert "minLength" not in schemas["MeOutput"]["properties"]["phone"]
    assert not [name for name in schemas if name.endswith("Request")]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "query",
    ["page=99999999999999999999999", "min_price=99999999999999999999", "max_price=9" + "9" * 20],
)
def test_a_number_past_the_databases_integers_is_a_validation_error(client, query):
    response = client.get(f"/api/v1/packages?{query}")

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


@pytest.mark.django_db
def test_an_api_body_over_the_upload_limit_is_a_malformed_request(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000

    response = client.post(
        "/api/v1/auth/login",
        {"email": "x" * 1000 + "@example.com", "password": "x"},
        content_type="application/json",
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "MALFORMED_REQUEST"


@pytest.mark.django_db
@pytest.mark.parametrize("key", ["\x00", "key\x07"])
def test_an_idempotency_key_with_control_characters_is_refused(client, key):
    response = client.post(
        "/api/v1/checkout", {}, content_type="application/json", HTTP_IDEMPOTENCY_KEY=key
    )

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"
