"""Every way an API request can fail answers the same envelope with a stable code."""

import logging

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.hiroam.urls")]


def _error(response):
    body = response.json()
    assert body["success"] is False
    assert body["error"]["request_id"] == response["X-Request-ID"]
    return body["error"]


def test_validation_error_lists_the_fields(api_client):
    response = api_client.post("/api/v1/test/echo", {"quantity": 0}, format="json")

    assert response.status_code == 400
    error = _error(response)
    assert error["code"] == "VALIDATION_ERROR"
    assert "quantity" in error["details"]


def test_success_is_wrapped_in_the_envelope(api_client):
    response = api_client.post("/api/v1/test/echo", {"quantity": 3}, format="json")

    assert response.status_code == 200
    assert response.json() == {"success": True, "data": {"quantity": 3}}


def test_malformed_json_is_a_400(api_client):
    response = api_client.post(
        "/api/v1/test/echo", data="{not json", content_type="application/json"
    )

    assert response.status_code == 400
    assert _error(response)["code"] == "MALFORMED_REQUEST"


def test_unsupported_media_type(api_client):
    response = api_client.post("/api/v1/test/echo", data="quantity=3", content_type="text/plain")

    assert response.status_code == 415
    assert _error(response)["code"] == "UNSUPPORTED_MEDIA_TYPE"


def test_missing_authentication_is_a_401_with_a_bearer_challenge(api_client):
    response = api_client.get("/api/v1/me")

    assert response.status_code == 401
    assert _error(response)["code"] == "UNAUTHORIZED"
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_forged_token_is_refused(api_client):
    api_client.credentials(HTTP_AUTHORIZATION="Bearer not.a.token")

    response = api_client.get("/api/v1/me")

    assert response.status_code == 401
    assert _error(response)["code"] == "INVALID_TOKEN"


def test_permission_denied_is_a_403(api_client):
    response = api_client.get("/api/v1/test/forbidden")

    assert response.status_code == 403
    assert _error(response)["code"] == "FORBIDDEN"


def test_not_found_does_not_echo_internal_detail(api_client):
    response = api_client.get("/api/v1/test/missing")

    assert response.status_code == 404
    error = _error(response)
    assert error["code"] == "NOT_FOUND"
    assert "secret_stuff" not in response.content.decode()


def test_unknown_api_url_answers_the_envelope(api_client):
    response = api_client.get("/api/v1/no-such-thing")

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_wrong_method_is_a_405(api_client):
    response = api_client.get("/api/v1/auth/login")

    assert response.status_code == 405
    assert _error(response)["code"] == "METHOD_NOT_ALLOWED"


def test_business_rule_keeps_its_code_and_details(api_client):
    response = api_client.get("/api/v1/test/business-rule")

    assert response.status_code == 422
    error = _error(response)
    assert error["code"] == "PACKAGE_UNAVAILABLE"
    assert error["message"] == "This package is not on sale right now."
    assert error["details"] == {"package": "JP_5_30"}


def test_unexpected_exception_is_a_500_without_internals_but_is_logged(api_client, caplog):
    with caplog.at_level(logging.ERROR, logger="hiroam.api"):
        response = api_client.post("/api/v1/test/explodes", {}, format="json")

    assert response.status_code == 500
    error = _error(response)
    assert error["code"] == "INTERNAL_ERROR"
    text = response.content.decode()
    assert "hunter2" not in text
    assert "RuntimeError" not in text
    assert "Traceback" not in text
    assert any(
        record.exc_info and "hunter2" in str(record.exc_info[1]) for record in caplog.records
    )
