"""Hypothesis against every API route with what schemathesis keeps well-formed: raw bodies in
any content type, and hostile Authorization, Idempotency-Key, Accept and X-Request-ID headers.
Whatever arrives, the answer is the envelope and never a 5xx."""

import json

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from tests.fuzz.envelope import assert_envelope, fuzz_examples, rolled_back_request

ROUTES = [
    ("POST", "/api/v1/auth/register"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/refresh"),
    ("POST", "/api/v1/auth/logout"),
    ("POST", "/api/v1/auth/verify-email"),
    ("POST", "/api/v1/auth/verify-email/resend"),
    ("POST", "/api/v1/checkout"),
    ("POST", "/api/v1/checkout/validate-discount"),
    ("GET", "/api/v1/me"),
    ("PATCH", "/api/v1/me"),
    ("DELETE", "/api/v1/me"),
    ("GET", "/api/v1/me/export"),
    ("GET", "/api/v1/me/points"),
    ("GET", "/api/v1/orders"),
    ("GET", "/api/v1/orders/00000000-0000-0000-0000-000000000000"),
    ("GET", "/api/v1/packages"),
    ("GET", "/api/v1/packages/japan"),
]

# Latin-1 only: a WSGI header value is bytes read as Latin-1.
header_text = st.text(st.characters(max_codepoint=255, exclude_categories=["Cs"]), max_size=200)
bodies = st.binary(max_size=300) | st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
).map(lambda value: json.dumps(value).encode())
headers = st.fixed_dictionaries(
    {},
    optional={
        "HTTP_AUTHORIZATION": header_text | header_text.map(lambda token: f"Bearer {token}"),
        "HTTP_IDEMPOTENCY_KEY": header_text,
        "HTTP_ACCEPT": st.sampled_from(["application/json", "text/html", "*/*", "x/y;q=abc"])
        | header_text,
        "HTTP_X_REQUEST_ID": header_text,
        "QUERY_STRING": header_text,
    },
)
content_types = (
    st.sampled_from(
        [
            "application/json",
            "text/plain",
            "application/x-www-form-urlencoded",
            "multipart/form-data",
        ]
    )
    | header_text
)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), ROUTES)
@hypothesis_settings(
    max_examples=fuzz_examples(10),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=bodies, content_type=content_types, extra=headers)
def test_any_request_is_answered_in_the_envelope(client, method, path, body, content_type, extra):
    with rolled_back_request():
        response = client.generic(method, path, body, content_type=content_type, **extra)

    assert_envelope(response.status_code, response.content, what=f"{method} {path} {extra}")
