"""Idempotency-Key (plan 14.5): a client that retries a request it is unsure about (a traveller
on airport wifi) gets the first answer again instead of a second order.

The key is claimed before the request runs, so two copies arriving at once cannot both run:
the second is told the first is still in progress (a claim left without an answer for
ABANDONED_AFTER, by a process that died, is taken over). The same key with a different body
is a 409. An answer is kept for 24 hours unless it was a server-side failure (5xx), which the
client must be free to retry. Secrets in an answer are not stored: the view gives `conceal`
(applied before storing) and `reveal` (applied to a replay).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response

from hiroam.api.errors import ConflictError, DomainError
from hiroam.api.exceptions import envelope_exception_handler
from orders.models import IdempotencyKey

HEADER = "Idempotency-Key"
LIFETIME = timedelta(hours=24)
ABANDONED_AFTER = timedelta(minutes=2)

Transform = Callable[[Any], Any]


def _same(data: Any) -> Any:
    return data


MAX_KEY_LENGTH = 100


def idempotent(
    request: Request,
    *,
    endpoint: str,
    handle: Callable[[], Response],
    conceal: Transform = _same,
    reveal: Transform = _same,
) -> Response:
    key = (request.headers.get(HEADER) or "").strip()
    if not key:
        return handle()
    if len(key) > MAX_KEY_LENGTH:
        raise DomainError(f"{HEADER} is at most {MAX_KEY_LENGTH} characters.")
    if not key.isprintable():  # a NUL cannot even be stored (PostgreSQL text)
        raise DomainError(f"{HEADER} must be printable characters.")
    # The parsed body, canonically encoded: the same request spelled with other spacing or key
    # order is the same request.
    canonical = json.dumps(request.data, sort_keys=True, separators=(",", ":"), default=str)
    digest = hashlib.sha256(canonical.encode()).hexdigest()
    claimed = _claim(endpoint, key, digest, reveal)
    if isinstance(claimed, Response):
        return claimed
    try:
        response = handle()
    except Exception as error:
        rendered = envelope_exception_handler(error, {})
        if rendered is None or rendered.status_code >= 500:
            claimed.delete()
            if rendered is None:
                raise
        else:
            _keep(claimed, rendered, conceal)
        return rendered
    if response.status_code >= 500:
        claimed.delete()
    else:
        _keep(claimed, response, conceal)
    return response


def _claim(endpoint: str, key: str, digest: str, reveal: Transform) -> IdempotencyKey | Response:
    now = timezone.now()
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(
                    key=key,
                    endpoint=endpoint,
                    request_hash=digest,
                    created_at=now,
                    expires_at=now + LIFETIME,
                )
        except IntegrityError:
            found = IdempotencyKey.objects.filter(endpoint=endpoint, key=key).first()
            if found is None:  # deleted meanwhile (a failed first try): claim it again
                continue
            abandoned = found.response_status is None and found.created_at <= now - ABANDONED_AFTER
            if found.expires_at <= now or abandoned:
                found.delete()
                continue
            if found.request_hash != digest:
                raise ConflictError(
                    f"This {HEADER} was used for a different request.",
                    details={"reason": "idempotency_key_reused"},
                ) from None
            if found.response_status is None:
                raise ConflictError(
                    "The first request with this key is still being processed; retry shortly.",
                    details={"reason": "idempotency_key_in_progress"},
                    retry_after_seconds=2,
                ) from None
            body = found.response_body
            replay = Response(
                reveal(body) if found.response_status < 400 else body,
                status=found.response_status,
            )
            replay["Idempotent-Replayed"] = "true"
            return replay
    raise ConflictError("Could not claim the Idempotency-Key; retry.")


def _keep(claimed: IdempotencyKey, response: Response, conceal: Transform) -> None:
    claimed.response_status = response.status_code
    claimed.response_body = conceal(response.data) if response.status_code < 400 else response.data
    claimed.save(update_fields=["response_status", "response_body"])


def forget_expired_keys(*, now: Any) -> int:
    """Deletes the keys past their 24 hours (a daily job)."""
    deleted, _ = IdempotencyKey.objects.filter(expires_at__lte=now).delete()
    return deleted
