"""The sandbox's background work: allocating profiles, approving refunds, delivering webhooks."""

import time

import requests
from celery import shared_task
from django.conf import settings
from django.utils import timezone

from hiroam.integrations.paddle.signature import HEADER as PADDLE_SIGNATURE_HEADER
from hiroam.integrations.paddle.signature import signature_header
from hiroam.sandbox import esim_access, paddle
from hiroam.sandbox.models import EsimOrder, Webhook

WEBHOOK_TIMEOUT_SECONDS = 5


@shared_task(name="sandbox.allocate_order")
def allocate_order(order_no: str) -> None:
    placed = EsimOrder.objects.filter(order_no=order_no).first()
    if placed is not None:
        esim_access.allocate_if_due(placed, timezone.now())


@shared_task(name="sandbox.approve_adjustment")
def approve_adjustment(adjustment_id: str) -> None:
    paddle.approve_adjustment(adjustment_id, now=timezone.now())


class WebhookNotAccepted(Exception):
    pass


@shared_task(
    name="sandbox.deliver_webhook",
    autoretry_for=(WebhookNotAccepted, requests.RequestException),
    retry_backoff=2,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=10,
)
def deliver_webhook(webhook_id: int, replay: bool = False) -> None:
    """POSTs one outbox webhook; retried with backoff until HIROAM answers 2xx. A replay
    sends it again even if it was delivered (as "resend" in Paddle's dashboard does)."""
    webhooks = Webhook.objects.filter(pk=webhook_id, dropped=False)
    webhook = (webhooks if replay else webhooks.filter(delivered_at__isnull=True)).first()
    if webhook is None:
        return
    send_webhook(webhook)


def send_webhook(webhook: Webhook) -> None:
    body = webhook.body.encode()
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"HIROAM-sandbox/{webhook.provider}",
    }
    if webhook.provider == Webhook.Provider.PADDLE:
        # Signed at delivery time, like Paddle: each attempt carries a fresh timestamp.
        secret = settings.PADDLE_WEBHOOK_SECRETS[0]
        headers[PADDLE_SIGNATURE_HEADER] = signature_header(
            secret=secret, body=body, timestamp=int(time.time())
        )
    webhook.attempts += 1
    try:
        response = requests.post(
            webhook.url, data=body, headers=headers, timeout=WEBHOOK_TIMEOUT_SECONDS
        )
    except requests.RequestException as error:
        webhook.last_error = type(error).__name__
        webhook.save(update_fields=["attempts", "last_error"])
        raise
    if not response.ok:
        webhook.last_error = f"HTTP {response.status_code}"
        webhook.save(update_fields=["attempts", "last_error"])
        raise WebhookNotAccepted(webhook.last_error)
    webhook.delivered_at = timezone.now()
    webhook.last_error = ""
    webhook.save(update_fields=["attempts", "last_error", "delivered_at"])
