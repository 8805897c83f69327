"""POST /webhooks/paddle and /webhooks/esim-access: checked, stored raw, acknowledged at once;
processed by a worker."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from hiroam.api.client_ip import client_ip
from hiroam.api.envelope import success_body
from hiroam.api.errors import ErrorCode
from hiroam.api.exceptions import error_json_response
from hiroam.integrations.paddle.signature import WebhookSignatureError, verify_signature
from orders.models import WebhookLog
from orders.services.payments import content_id, store_webhook
from orders.tasks import process_esim_webhook, process_paddle_webhook

logger = logging.getLogger(__name__)

Webhook = Callable[[HttpRequest], HttpResponse]


def webhook_endpoint(view: Webhook) -> Webhook:
    """POST only, and a body within DATA_UPLOAD_MAX_MEMORY_SIZE, refused in the envelope
    (Django's own answers to both are not JSON)."""

    @csrf_exempt
    @wraps(view)
    def endpoint(request: HttpRequest) -> HttpResponse:
        if request.method != "POST":
            response = error_json_response(
                ErrorCode.METHOD_NOT_ALLOWED, "Webhooks are POSTed.", 405
            )
            response["Allow"] = "POST"
            return response
        try:
            request.body  # noqa: B018 (reads and caches the body, within the size limit)
        except RequestDataTooBig:
            return error_json_response(ErrorCode.MALFORMED_REQUEST, "The body is too large.", 400)
        return view(request)

    return endpoint


def _json_object(body: bytes) -> dict[str, Any] | None:
    """The body as a JSON object PostgreSQL can store, or None. Python reads NaN and Infinity,
    and "\\u0000" and lone surrogates, which jsonb and text columns refuse."""

    def refuse_constant(name: str) -> Any:
        raise ValueError(name)

    try:
        event = json.loads(body, parse_constant=refuse_constant)
    except ValueError:
        return None
    if not isinstance(event, dict) or not _storable(event):
        return None
    return event


def _storable(value: Any) -> bool:
    if isinstance(value, str):
        return _encodes(value)
    if isinstance(value, dict):
        return all(_storable(key) and _storable(item) for key, item in value.items())
    if isinstance(value, list):
        return all(_storable(item) for item in value)
    return True


def _encodes(text: str) -> bool:
    try:
        text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return False
    return "\x00" not in text


@webhook_endpoint
def paddle_webhook(request: HttpRequest) -> HttpResponse:
    body = request.body
    try:
        verify_signature(
            header=request.headers.get("Paddle-Signature"),
            body=body,
            secrets=settings.PADDLE_WEBHOOK_SECRETS,
            now=time.time(),
            tolerance_seconds=settings.PADDLE_WEBHOOK_TOLERANCE_SECONDS,
        )
    except WebhookSignatureError as error:
        logger.warning("Refused a Paddle webhook: %s", error)
        return error_json_response(ErrorCode.UNAUTHORIZED, "Invalid webhook signature.", 401)
    event = _json_object(body)
    if event is None or "event_type" not in event:
        return error_json_response(ErrorCode.MALFORMED_REQUEST, "Not a Paddle event.", 400)
    event_type = str(event["event_type"])
    log, created = store_webhook(
        source=WebhookLog.Source.PADDLE,
        payload=event,
        event_id=str(event.get("event_id") or content_id(event))[:100],
        event_type=event_type,
        occurred_at=event.get("occurred_at"),
    )
    if not log.processed:  # new, or stored earlier but never applied: (re)queue it
        try:
            process_paddle_webhook.delay(str(log.pk))
        except Exception:
            # Stored but not queued: Paddle retries on a 5xx, and the sweeper finds it anyway.
            logger.exception("Could not queue Paddle event %s", log.event_id)
            return error_json_response(
                ErrorCode.SERVICE_UNAVAILABLE, "Stored; not queued yet. Retry.", 503
            )
    return JsonResponse(success_body({"received": True, "duplicate": not created}))


@webhook_endpoint
def esim_access_webhook(request: HttpRequest) -> HttpResponse:
    """eSIM Access signs nothing: only its addresses are accepted (ESIM_WEBHOOK_ALLOWED_IPS,
    the client address read through TRUSTED_PROXIES)."""
    address = client_ip(request)
    if address not in settings.ESIM_WEBHOOK_ALLOWED_IPS:
        logger.warning("Refused an eSIM Access webhook from %s", address or "an unknown address")
        return error_json_response(ErrorCode.FORBIDDEN, "Not an eSIM Access address.", 403)
    event = _json_object(request.body)
    if event is None or "notifyType" not in event:
        return error_json_response(ErrorCode.MALFORMED_REQUEST, "Not an eSIM Access event.", 400)
    notify_type = str(event["notifyType"])
    if notify_type == "CHECK_HEALTH":  # sent when the URL is registered
        return JsonResponse(success_body({"received": True}))
    log, created = store_webhook(
        source=WebhookLog.Source.ESIM_ACCESS,
        payload=event,
        event_id=str(event.get("notifyId") or content_id(event))[:100],
        event_type=notify_type,
        occurred_at=event.get("eventGenerateTime"),
    )
    if not log.processed:
        try:
            process_esim_webhook.delay(str(log.pk))
        except Exception:
            logger.exception("Could not queue eSIM Access event %s", log.event_id)
            return error_json_response(
                ErrorCode.SERVICE_UNAVAILABLE, "Stored; not queued yet. Retry.", 503
            )
    return JsonResponse(success_body({"received": True, "duplicate": not created}))
