import io
import json
import logging

import pytest

from hiroam import request_context
from hiroam.logging import JsonFormatter, RedactSecretsFilter, RequestIdFilter

pytestmark = pytest.mark.django_db


def test_each_response_gets_a_fresh_request_id(client):
    first = client.get("/health")["X-Request-ID"]
    second = client.get("/health")["X-Request-ID"]

    assert len(first) == 32
    assert first != second


def test_a_sane_caller_request_id_is_echoed(client):
    response = client.get("/health", HTTP_X_REQUEST_ID="lb-7f3a.91")

    assert response["X-Request-ID"] == "lb-7f3a.91"


def test_a_hostile_caller_request_id_is_replaced(client):
    response = client.get("/health", HTTP_X_REQUEST_ID="evil\nInjected: log line")

    assert "\n" not in response["X-Request-ID"]
    assert "evil" not in response["X-Request-ID"]


def _format(record_message, *args, **extra):
    record = logging.LogRecord("hiroam.test", logging.INFO, __file__, 1, record_message, args, None)
    for key, value in extra.items():
        setattr(record, key, value)
    RequestIdFilter().filter(record)
    RedactSecretsFilter().filter(record)
    return json.loads(JsonFormatter().format(record))


def test_json_log_lines_carry_the_request_id():
    request_context.set_request_id("req-123")
    try:
        line = _format("paid %s", "ORD-1")
    finally:
        request_context.set_request_id(None)

    assert line["request_id"] == "req-123"
    assert line["message"] == "paid ORD-1"
    assert line["level"] == "INFO"


def test_log_lines_never_show_secrets():
    line = _format(
        "calling provider with Authorization: Bearer abc.def.ghi and password=hunter2",
        payload={"email": "a@b.c", "api_key": "k-123", "nested": {"access_token": "t-9"}},
    )

    text = json.dumps(line)
    for secret in ("abc.def.ghi", "hunter2", "k-123", "t-9"):
        assert secret not in text
    assert line["payload"]["email"] == "a@b.c"


@pytest.fixture
def console_output():
    """What the configured console handler (settings.LOGGING) writes, for this test."""
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert isinstance(handler, logging.StreamHandler)
    output = io.StringIO()
    previous = handler.setStream(output)
    yield output
    handler.setStream(previous)


@pytest.mark.urls("tests.hiroam.urls")
def test_a_request_log_line_carries_its_request_id(api_client, console_output):
    response = api_client.post(
        "/api/v1/test/explodes", {}, format="json", HTTP_X_REQUEST_ID="trace-42"
    )

    assert response["X-Request-ID"] == "trace-42"
    (line,) = [line for line in console_output.getvalue().splitlines() if "hiroam.api" in line]
    assert "[trace-42]" in line
    assert "Unhandled error in API view" in line
