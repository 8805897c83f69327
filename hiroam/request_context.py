"""The id of the request (or task) being handled, for log lines and error envelopes."""

import contextvars
import re
import uuid

_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("request_id", default=None)

# What we accept from an incoming X-Request-ID; anything else is replaced by our own id, so a
# client cannot inject odd characters into our logs.
_ACCEPTABLE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")


def new_request_id() -> str:
    return uuid.uuid4().hex


def acceptable_request_id(candidate: str | None) -> str | None:
    if candidate and _ACCEPTABLE_REQUEST_ID.fullmatch(candidate):
        return candidate
    return None


def current_request_id() -> str | None:
    return _request_id.get()


def set_request_id(request_id: str | None) -> None:
    _request_id.set(request_id)
