"""Webhooks from the fake providers to HIROAM, in the providers' exact shapes, kept in an
outbox and delivered by Celery with retries (as the real providers retry)."""

import json
import secrets
import string
import uuid
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from hiroam.sandbox.faults import take_fault
from hiroam.sandbox.models import EsimProfile, Fault, Webhook


def paddle_id(prefix: str) -> str:
    """A Paddle-style id: `txn_` + 26 characters of [a-z0-9]."""
    return (
        prefix
        + "_"
        + "".join(secrets.choice(string.ascii_lowercase + string.digits) for _ in range(26))
    )


def _outbox(
    provider: str, event_type: str, url: str, payload: dict[str, Any], fault_target: str
) -> None:
    body = json.dumps(payload, separators=(",", ":"))
    fault = take_fault(fault_target, event_type)
    rows = [
        Webhook(
            provider=provider,
            event_type=event_type,
            url=url,
            body=body,
            dropped=fault == Fault.Kind.DROP,
        )
    ]
    if fault == Fault.Kind.DUPLICATE:
        rows.append(Webhook(provider=provider, event_type=event_type, url=url, body=body))
    created = Webhook.objects.bulk_create(rows)

    def deliver() -> None:
        from hiroam.sandbox.tasks import deliver_webhook

        for row in created:
            if not row.dropped:
                deliver_webhook.delay(row.pk)

    transaction.on_commit(deliver)


def emit_esim_access(notify_type: str, content: dict[str, Any], *, now: datetime) -> None:
    _outbox(
        Webhook.Provider.ESIM_ACCESS,
        notify_type,
        settings.SANDBOX_ESIM_WEBHOOK_URL,
        {
            "notifyType": notify_type,
            "notifyId": uuid.uuid4().hex,
            "eventGenerateTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "content": content,
        },
        Fault.Target.ESIM_ACCESS_WEBHOOKS,
    )


def profile_keys(profile: EsimProfile) -> dict[str, Any]:
    return {
        "iccid": profile.iccid,
        "orderNo": profile.order.order_no,
        "esimTranNo": profile.esim_tran_no,
        "transactionId": profile.order.transaction_id,
    }


def emit_esim_status(profile: EsimProfile, *, now: datetime) -> None:
    emit_esim_access(
        "ESIM_STATUS",
        {
            **profile_keys(profile),
            "esimStatus": profile.esim_status,
            "smdpStatus": profile.smdp_status,
        },
        now=now,
    )


def emit_smdp_event(profile: EsimProfile, *, now: datetime, sequence: int) -> None:
    emit_esim_access(
        "SMDP_EVENT",
        {
            **profile_keys(profile),
            "eid": profile.eid,
            "esimStatus": profile.esim_status,
            "smdpStatus": profile.smdp_status,
            "timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "seqNumber": sequence,
        },
        now=now,
    )


def emit_paddle(event_type: str, data: dict[str, Any], *, now: datetime) -> str:
    """Queues a Paddle notification; returns its event id."""
    event_id = paddle_id("evt")
    _outbox(
        Webhook.Provider.PADDLE,
        event_type,
        settings.SANDBOX_PADDLE_WEBHOOK_URL,
        {
            "event_id": event_id,
            "event_type": event_type,
            "occurred_at": now.isoformat(timespec="microseconds").replace("+00:00", "Z"),
            "notification_id": paddle_id("ntf"),
            "data": data,
        },
        Fault.Target.PADDLE_WEBHOOKS,
    )
    return event_id
