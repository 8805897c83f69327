"""One exception handler: every failure of an API view becomes the error envelope.

`{"success": false, "error": {"code", "message", "details", "request_id"}}` with a stable code.
Unexpected exceptions are logged in full and answered with a 500 that reveals nothing inside.
"""

import logging
import math
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import DatabaseError
from django.http import Http404, JsonResponse
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback
from rest_framework_simplejwt.exceptions import InvalidToken

from hiroam import request_context
from hiroam.api.errors import DomainError, ErrorCode

logger = logging.getLogger("hiroam.api")

# DRF's own exceptions, by class, to our codes. Order matters: subclasses first.
_DRF_CODES: tuple[tuple[type[drf.APIException], ErrorCode], ...] = (
    (InvalidToken, ErrorCode.INVALID_TOKEN),
    (drf.ValidationError, ErrorCode.VALIDATION_ERROR),
    (drf.ParseError, ErrorCode.MALFORMED_REQUEST),
    # Credentials were sent and refused; the API takes only Bearer tokens, so the token is bad
    # (malformed, or its user is gone, inactive or has changed their password since).
    (drf.AuthenticationFailed, ErrorCode.INVALID_TOKEN),
    (drf.NotAuthenticated, ErrorCode.UNAUTHORIZED),
    (drf.PermissionDenied, ErrorCode.FORBIDDEN),
    (drf.NotFound, ErrorCode.NOT_FOUND),
    (drf.MethodNotAllowed, ErrorCode.METHOD_NOT_ALLOWED),
    (drf.NotAcceptable, ErrorCode.NOT_ACCEPTABLE),
    (drf.UnsupportedMediaType, ErrorCode.UNSUPPORTED_MEDIA_TYPE),
    (drf.Throttled, ErrorCode.RATE_LIMITED),
)

_MESSAGES = {
    ErrorCode.VALIDATION_ERROR: "Some fields are missing or invalid.",
    ErrorCode.INTERNAL_ERROR: "Something went wrong on our side. Please try again.",
    ErrorCode.DATABASE_ERROR: "Something went wrong on our side. Please try again.",
}


def error_body(code: ErrorCode, message: str, details: Any = None) -> dict[str, Any]:
    return {
        "success": False,
        "error": {
            "code": str(code),
            "message": message,
            "details": details,
            "request_id": request_context.current_request_id(),
        },
    }


def error_json_response(code: ErrorCode, message: str, status: int) -> JsonResponse:
    """For failures outside DRF views (unknown /api/ URLs, Django's 500 handler)."""
    return JsonResponse(error_body(code, message), status=status)


def _code_for(exc: drf.APIException) -> ErrorCode:
    for exception_class, code in _DRF_CODES:
        if isinstance(exc, exception_class):
            return code
    return ErrorCode.INTERNAL_ERROR if exc.status_code >= 500 else ErrorCode.VALIDATION_ERROR


def _drf_response(exc: drf.APIException) -> Response:
    code = _code_for(exc)
    if isinstance(exc, drf.ValidationError):
        message, details = _MESSAGES[code], exc.detail
    elif isinstance(exc.detail, dict):  # e.g. simplejwt's {"detail": ..., "messages": [...]}
        message, details = str(exc.detail.get("detail", exc.default_detail)), None
    else:
        message, details = str(exc.detail), None
    response = Response(error_body(code, message, details), status=exc.status_code)
    if auth_header := getattr(exc, "auth_header", None):
        response["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)  # set on Throttled
    if wait is not None:
        response["Retry-After"] = str(max(1, math.ceil(wait)))
    return response


def envelope_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    # Whatever failed, nothing the request wrote may be kept.
    set_rollback()
    if isinstance(exc, DomainError):
        response = Response(error_body(exc.code, exc.message, exc.details), status=exc.status_code)
        if exc.retry_after_seconds is not None:
            response["Retry-After"] = str(exc.retry_after_seconds)
        return response
    if isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):  # over DATA_UPLOAD_MAX_MEMORY_SIZE
        exc = drf.ParseError("The request body is too large.")
    elif isinstance(exc, SuspiciousOperation):  # Django answers these 400 itself
        exc = drf.ParseError("The request could not be read.")
    if isinstance(exc, drf.APIException):
        return _drf_response(exc)

    code = ErrorCode.DATABASE_ERROR if isinstance(exc, DatabaseError) else ErrorCode.INTERNAL_ERROR
    logger.exception("Unhandled error in API view", extra={"view": repr(context.get("view"))})
    return Response(error_body(code, _MESSAGES[code]), status=500)
