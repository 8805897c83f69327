"""Schemathesis against our own OpenAPI schema, in-process through the WSGI app.

Every operation runs twice: anonymous, and with a signed-in customer's token (so the
authenticated endpoints are exercised beyond 401). Each example's writes are rolled back.
Throttling is off (tests/fuzz/conftest.py). Checkout reaches no Paddle here: the client
is pointed at a closed port, so a valid cart answers the documented 503 PADDLE_ERROR.
"""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.fuzz.envelope import assert_envelope, fuzz_examples, rolled_back_request

app = get_wsgi_application()
# Loaded at collection, from the app itself (the schema view touches no database).
schema = schemathesis.openapi.from_wsgi("/api/schema/", app)

# What a response must satisfy besides assert_envelope (which also refuses every 5xx but a
# provider's documented 502/503, where schemathesis's not_a_server_error refuses them all).
# Request-strictness checks (is every schema-invalid input refused, every schema-valid one
# accepted) are left out: a well-formed but unknown package id is rightly refused.
CHECKS = [
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]

FUZZ_SETTINGS = settings(
    max_examples=fuzz_examples(5),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_anonymous(case, catalogue):
    _call_and_check(case, headers={})


@pytest.mark.django_db
@schema.parametrize()
@FUZZ_SETTINGS
def test_api_signed_in(case, catalogue, customer_orders, customer_token):
    _ask_for_real_rows(case, catalogue, customer_orders)
    _call_and_check(case, headers={"Authorization": f"Bearer {customer_token}"})


def _ask_for_real_rows(case, catalogue, orders):
    """Ids of rows that exist (the customer's orders, packages), so checkout, discounts and
    details get past "not found": a random id never matches. The anonymous run keeps the
    generated ids."""
    parameters = case.path_parameters or {}
    if "order_id" in parameters:
        parameters["order_id"] = str(orders[len(str(parameters["order_id"])) % len(orders)].pk)
    if "id_or_slug" in parameters:
        parameters["id_or_slug"] = catalogue[len(str(parameters["id_or_slug"])) % 3].slug
    items = case.body.get("items") if isinstance(case.body, dict) else None
    for index, item in enumerate(items if isinstance(items, list) else []):
        if isinstance(item, dict) and "packageId" in item:
            item["packageId"] = str(catalogue[index % len(catalogue)].pk)


def _call_and_check(case, headers):
    with rolled_back_request():
        response = case.call(headers=headers)
    what = f"{case.method} {case.formatted_path}"
    assert_envelope(response.status_code, response.content, what=what)
    case.validate_response(response, checks=CHECKS, headers=headers)
