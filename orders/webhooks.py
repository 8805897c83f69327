"""POST /webhooks/paddle and /webhooks/esim-access: checked, stored raw, acknowledged at once;
processed by a worker."""

from __future__ import annotations

import json
import logging
import time

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from hiroam.api.client_ip import client_ip
from hiroam.api.errors import ErrorCode
from hiroam.api.exceptions import error_json_response
from hiroam.integrations.paddle.signature import WebhookSignatureError, verify_signature
from orders.models import WebhookLog
from orders.services.payments import content_id, store_webhook
from orders.tasks import process_esim_webhook, process_paddle_webhook

logger = logging.getLogger(__name__)


@csrf_exempt
@require_POST
def paddle_webhook(request: HttpRequest) -> JsonResponse:
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
    try:
        event = json.loads(body)
        event_type = str(event["event_type"])
    except (ValueError, KeyError, TypeError):
        return error_json_response(ErrorCode.MALFORMED_REQUEST, "Not a Paddle event.", 400)
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
    return JsonResponse({"received": True, "duplicate": not created})


@csrf_exempt
@require_POST
def esim_access_webhook(request: HttpRequest) -> JsonResponse:
    """eSIM Access signs nothing: only its addresses are accepted (ESIM_WEBHOOK_ALLOWED_IPS,
    the client address read through TRUSTED_PROXIES)."""
    address = client_ip(request)
    if address not in settings.ESIM_WEBHOOK_ALLOWED_IPS:
        logger.warning("Refused an eSIM Access webhook from %s", address or "an unknown address")
        return error_json_response(ErrorCode.FORBIDDEN, "Not an eSIM Access address.", 403)
    try:
        event = json.loads(request.body)
        notify_type = str(event["notifyType"])
    except (ValueError, KeyError, TypeError):
        return error_json_response(ErrorCode.MALFORMED_REQUEST, "Not an eSIM Access event.", 400)
    if notify_type == "CHECK_HEALTH":  # sent when the URL is registered
        return JsonResponse({"received": True})
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
    return JsonResponse({"received": True, "duplicate": not created})
