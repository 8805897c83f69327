"""Stable error codes of the public API (plan section 14.2) and the domain error type.

Apps raise `DomainError` (or a subclass) from services; the exception handler renders it in
the envelope. A code, once published, keeps its meaning: clients branch on it.
"""

from enum import StrEnum
from typing import Any


class ErrorCode(StrEnum):
    # 400 — the request itself is wrong
    VALIDATION_ERROR = "VALIDATION_ERROR"
    INVALID_PACKAGE = "INVALID_PACKAGE"
    INVALID_QUANTITY = "INVALID_QUANTITY"
    INVALID_DISCOUNT = "INVALID_DISCOUNT"
    MALFORMED_REQUEST = "MALFORMED_REQUEST"
    VERIFICATION_LINK_INVALID = "VERIFICATION_LINK_INVALID"
    VERIFICATION_LINK_EXPIRED = "VERIFICATION_LINK_EXPIRED"
    # 401 / 403
    UNAUTHORIZED = "UNAUTHORIZED"
    INVALID_CREDENTIALS = "INVALID_CREDENTIALS"
    INVALID_TOKEN = "INVALID_TOKEN"  # noqa: S105 (an error code, not a secret)
    FORBIDDEN = "FORBIDDEN"
    INVALID_PASSWORD = "INVALID_PASSWORD"  # noqa: S105 (an error code, not a secret)
    # 404 / 405 / 406 / 415
    NOT_FOUND = "NOT_FOUND"
    ORDER_NOT_FOUND = "ORDER_NOT_FOUND"
    METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
    NOT_ACCEPTABLE = "NOT_ACCEPTABLE"
    UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
    # 409 / 422 — business rules
    CONFLICT = "CONFLICT"
    EMAIL_TAKEN = "EMAIL_TAKEN"
    PACKAGE_UNAVAILABLE = "PACKAGE_UNAVAILABLE"
    DISCOUNT_EXPIRED = "DISCOUNT_EXPIRED"
    DISCOUNT_LIMIT_REACHED = "DISCOUNT_LIMIT_REACHED"
    INSUFFICIENT_STOCK = "INSUFFICIENT_STOCK"
    INSUFFICIENT_POINTS = "INSUFFICIENT_POINTS"
    ORDERS_IN_PROGRESS = "ORDERS_IN_PROGRESS"
    STAFF_ACCOUNT_NOT_ERASABLE = "STAFF_ACCOUNT_NOT_ERASABLE"
    # 429
    RATE_LIMITED = "RATE_LIMITED"
    # 502 / 503 — the outside world
    PADDLE_ERROR = "PADDLE_ERROR"
    ESIM_API_ERROR = "ESIM_API_ERROR"
    EMAIL_ERROR = "EMAIL_ERROR"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
    # 500
    INTERNAL_ERROR = "INTERNAL_ERROR"
    DATABASE_ERROR = "DATABASE_ERROR"


class DomainError(Exception):
    """A refusal the customer can understand: a stable code, an HTTP status and a message."""

    code: ErrorCode = ErrorCode.VALIDATION_ERROR
    status_code: int = 400
    message: str = "The request could not be completed."

    def __init__(
        self,
        message: str | None = None,
        *,
        code: ErrorCode | None = None,
        status_code: int | None = None,
        details: Any = None,
        retry_after_seconds: int | None = None,
    ) -> None:
        self.message = message or self.message
        self.code = code or self.code
        self.status_code = status_code or self.status_code
        self.details = details
        self.retry_after_seconds = retry_after_seconds  # sent as Retry-After
        super().__init__(self.message)


class NotFoundError(DomainError):
    code = ErrorCode.NOT_FOUND
    status_code = 404
    message = "Not found."


class ConflictError(DomainError):
    code = ErrorCode.CONFLICT
    status_code = 409
    message = "The request conflicts with the current state."


class BusinessRuleError(DomainError):
    status_code = 422
