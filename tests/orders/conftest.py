"""Checkout tests talk to the sandbox Paddle over real HTTP (a live server), and send webhooks
signed exactly as Paddle signs them."""

import json
import time

from django.conf import settings

from hiroam.integrations.paddle.signature import signature_header

CHECKOUT = "/api/v1/checkout"
WEBHOOK = "/webhooks/paddle"


def cart(*packages, quantity=1):
    return [{"packageId": str(package.pk), "quantity": quantity} for package in packages]


def checkout_body(items, email="ana@example.com", **extra):
    return {"items": items, "email": email, **extra}


def signed(payload, *, timestamp=None, secret=None):
    """Headers and body of a webhook as Paddle sends it."""
    body = json.dumps(payload).encode()
    header = signature_header(
        secret=secret or settings.PADDLE_WEBHOOK_SECRETS[0],
        body=body,
        timestamp=int(time.time() if timestamp is None else timestamp),
    )
    return body, {"HTTP_PADDLE_SIGNATURE": header}


def paddle_event(event_type, order, *, event_id, occurred_at, amount=None, **data):
    """A Paddle notification about `order`'s transaction."""
    total = str(order.total_cents if amount is None else amount)
    return {
        "event_id": event_id,
        "event_type": event_type,
        "occurred_at": occurred_at,
        "notification_id": f"ntf_{event_id}",
        "data": {
            "id": order.paddle_transaction_id or "txn_unknown",
            "status": "completed",
            "customer_id": "ctm_01test",
            "currency_code": "USD",
            "custom_data": {"order_id": str(order.pk), "order_number": order.order_number},
            "details": {"totals": {"subtotal": total, "discount": "0", "grand_total": total}},
            "payments": [{"status": "error", "error_code": "declined"}],
            **data,
        },
    }
