"""The API contract as a check on any response: the envelope, and never a 5xx."""

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction


def fuzz_examples(short_run: int) -> int:
    """Examples per fuzz test: `short_run` in `make test`; `make fuzz` sets HIROAM_FUZZ_EXAMPLES."""
    return int(os.environ.get("HIROAM_FUZZ_EXAMPLES") or short_run)


# The outside world's trouble, documented (docs/API.md): 502/503 with these codes only.
PROVIDER_TROUBLE = {"PADDLE_ERROR", "ESIM_API_ERROR", "EMAIL_ERROR", "SERVICE_UNAVAILABLE"}


def assert_envelope(status: int, content: bytes, *, what: str) -> dict[str, Any]:
    """Fails unless `content` is the success or the error envelope (and fits `status`), and
    on any 5xx but a provider's documented 502/503."""
    assert status != 500, f"{what}: {status} {content[:500]!r}"
    try:
        body = json.loads(content)
    except ValueError as not_json:
        raise AssertionError(f"{what}: {status}, not JSON: {content[:500]!r}") from not_json
    assert isinstance(body, dict), f"{what}: {status}, not an object: {body!r}"
    if body.get("success") is True:
        assert status < 400, f"{what}: success with {status}"
        assert "data" in body, f"{what}: success without data: {body!r}"
    else:
        assert body.get("success") is False, f"{what}: no success flag: {body!r}"
        assert status >= 400, f"{what}: an error with {status}"
        error = body.get("error")
        assert isinstance(error, dict), f"{what}: no error object: {body!r}"
        for key in ("code", "message", "request_id"):
            assert isinstance(error.get(key), str) and error[key], f"{what}: error.{key}: {body!r}"
        assert "details" in error, f"{what}: error without details: {body!r}"
        if status >= 500:
            assert status in (502, 503), f"{what}: {status} {body!r}"
            assert error["code"] in PROVIDER_TROUBLE, f"{what}: {status} {body!r}"
    return body


@contextmanager
def rolled_back_request() -> Iterator[None]:
    """One request to the in-process WSGI app, its writes rolled back afterwards.

    The WSGI handler closes the database connection around a request made inside a
    transaction; the test's transaction must survive it, so these handlers are off for the
    request, as Django's test client does. The savepoint keeps one example's writes (a
    registration, an erased account) from leaking into the next.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with transaction.atomic():
            yield
            transaction.set_rollback(True)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
