"""The Paddle client against the sandbox: create, pay, decline and refund, with webhooks signed
exactly as Paddle signs them (our verifier and the official SDK's both accept them)."""

import json
import re
import time
from types import SimpleNamespace

import pytest
import requests
from django.core.cache import cache
from django.utils import timezone
from paddle_billing.Notifications import Secret, Verifier

from hiroam.integrations.errors import ProviderUnavailable
from hiroam.integrations.paddle.errors import PaddleError
from hiroam.integrations.paddle.results import CheckoutItem
from hiroam.integrations.paddle.signature import verify_signature
from hiroam.sandbox import paddle as fake_paddle
from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import Webhook
from hiroam.sandbox.tasks import WebhookNotAccepted, send_webhook
from tests.sandbox.checkout_page import press
from tests.sandbox.receiver import RECEIVED_KEY, STATUS_KEY
from tests.worker import wait_for

pytestmark = pytest.mark.urls("tests.sandbox.receiver")

ITEMS = [
    CheckoutItem(
        name="Japan 5GB 30 days", description="eSIM data package", unit_price_cents=999, quantity=2
    ),
    CheckoutItem(
        name="Thailand 3GB 15 days",
        description="eSIM data package",
        unit_price_cents=450,
        quantity=1,
    ),
]
PADDLE_ID = r"[a-z]+_[a-z0-9]{26}"


@pytest.fixture(autouse=True)
def webhook_receiver(live_server, settings):
    settings.SANDBOX_PADDLE_WEBHOOK_URL = f"{live_server.url}/test/webhooks"


def _checkout(paddle, **custom):
    return paddle.create_transaction(
        items=ITEMS, custom_data={"order_id": "o-1", "order_number": "HR-1001", **custom}
    )


def _press(live_server, transaction, action):
    return press(live_server.url, transaction.id, action)


def _deliver_all():
    for webhook in Webhook.objects.filter(delivered_at__isnull=True, dropped=False).order_by("id"):
        send_webhook(webhook)
    return cache.get(RECEIVED_KEY, [])


def _events(received):
    return [json.loads(item["body"]) for item in received]


def test_a_transaction_is_created_with_our_prices_as_a_draft(paddle):
    transaction = _checkout(paddle)

    assert re.fullmatch(PADDLE_ID, transaction.id) and transaction.id.startswith("txn_")
    assert transaction.status == "draft"
    assert transaction.grand_total_cents == 2 * 999 + 450
    assert transaction.checkout_url.endswith(f"/sandbox/paddle/checkout?_ptxn={transaction.id}")
    assert transaction.custom_data == {"order_id": "o-1", "order_number": "HR-1001"}
    assert all(item_id.startswith("txnitm_") for item_id in transaction.line_item_ids)
    assert paddle.get_transaction(transaction.id).status == "draft"


def test_an_unknown_transaction_or_a_wrong_key_is_refused(paddle):
    with pytest.raises(PaddleError) as missing:
        paddle.get_transaction("txn_" + "0" * 26)
    assert (missing.value.status, missing.value.code) == (404, "not_found")

    paddle._api_key = "wrong"
    with pytest.raises(PaddleError) as forbidden:
        _checkout(paddle)
    assert (forbidden.value.status, forbidden.value.code) == (403, "forbidden")
    assert not forbidden.value.retryable


def test_invalid_items_are_a_clear_400(paddle):
    with pytest.raises(PaddleError) as refused:
        paddle.create_transaction(items=[], custom_data={})
    assert (refused.value.status, refused.value.code) == (400, "bad_request")


def test_paying_completes_the_transaction_with_signed_paid_and_completed_webhooks(
    paddle, live_server, settings
):
    transaction = _checkout(paddle)
    page = requests.get(
        transaction.checkout_url.replace(settings.APP_URL, live_server.url), timeout=5
    )
    assert "$24.48" in page.text and "Japan 5GB 30 days" in page.text

    result = _press(live_server, transaction, "pay")

    assert "Payment complete" in result.text
    assert paddle.get_transaction(transaction.id).status == "completed"
    received = _deliver_all()
    events = _events(received)
    assert [event["event_type"] for event in events] == [
        "transaction.paid",
        "transaction.completed",
    ]
    for event, delivery in zip(events, received, strict=True):
        assert set(event) == {"event_id", "event_type", "occurred_at", "notification_id", "data"}
        assert event["event_id"].startswith("evt_") and event["notification_id"].startswith("ntf_")
        assert event["data"]["id"] == transaction.id
        assert event["data"]["custom_data"] == {"order_id": "o-1", "order_number": "HR-1001"}
        _assert_signed_like_paddle(delivery, settings.PADDLE_WEBHOOK_SECRETS[0])
    assert events[1]["data"]["payments"][0]["status"] == "captured"
    assert events[0]["occurred_at"] <= events[1]["occurred_at"]


def _assert_signed_like_paddle(delivery, secret):
    body = delivery["body"].encode()
    header = delivery["headers"]["Paddle-Signature"]
    verify_signature(
        header=header, body=body, secrets=[secret], now=time.time(), tolerance_seconds=5
    )
    sdk_request = SimpleNamespace(headers={"Paddle-Signature": header}, body=body)
    assert Verifier(maximum_variance=5).verify(sdk_request, Secret(secret)) is True


def test_declining_adds_a_failed_payment_and_the_customer_may_still_pay(
    paddle, live_server, settings
):
    transaction = _checkout(paddle)

    declined = _press(live_server, transaction, "decline")

    assert "declined" in declined.text
    after = paddle.get_transaction(transaction.id)
    assert after.status == "ready"
    [failed] = _events(_deliver_all())
    assert failed["event_type"] == "transaction.payment_failed"
    assert failed["data"]["payments"][0]["status"] == "error"
    assert failed["data"]["payments"][0]["error_code"] == "declined"

    _press(live_server, transaction, "pay")
    assert paddle.get_transaction(transaction.id).status == "completed"


def test_a_refund_starts_pending_and_is_approved_with_webhooks(paddle, live_server):
    transaction = _checkout(paddle)
    _press(live_server, transaction, "pay")
    _deliver_all()
    cache.set(RECEIVED_KEY, [])

    adjustment = paddle.create_refund(transaction_id=transaction.id, reason="eSIM never installed")
    assert adjustment.id.startswith("adj_")
    assert (adjustment.status, adjustment.total_cents) == ("pending_approval", 2448)
    fake_paddle.approve_adjustment(adjustment.id, now=timezone.now())  # the approval task's work
    fake_paddle.approve_adjustment(adjustment.id, now=timezone.now())  # a redelivered task: no-op

    events = _events(_deliver_all())
    assert [(event["event_type"], event["data"]["status"]) for event in events] == [
        ("adjustment.created", "pending_approval"),
        ("adjustment.updated", "approved"),
    ]


def test_a_partial_refund_of_one_item(paddle, live_server):
    transaction = _checkout(paddle)
    _press(live_server, transaction, "pay")

    adjustment = paddle.create_refund(
        transaction_id=transaction.id,
        reason="one unit unused",
        partial_items=[(transaction.line_item_ids[0], 999)],
    )

    assert adjustment.total_cents == 999


def test_only_a_completed_transaction_can_be_refunded(paddle):
    transaction = _checkout(paddle)

    with pytest.raises(PaddleError) as refused:
        paddle.create_refund(transaction_id=transaction.id, reason="too early")

    assert refused.value.status == 400


def test_paddle_5xx_is_retried_and_then_succeeds(paddle):
    inject_fault(target="paddle_api", kind="http_500", count=2)

    assert _checkout(paddle).status == "draft"


def test_paddle_timeouts_exhaust_the_retries(paddle):
    inject_fault(target="paddle_api", kind="timeout", count=3)

    with pytest.raises(ProviderUnavailable):
        paddle.get_transaction("txn_" + "0" * 26)


def test_a_refused_delivery_is_retried_with_the_same_event(paddle, live_server):
    transaction = _checkout(paddle)
    _press(live_server, transaction, "pay")
    cache.set(STATUS_KEY, 500)
    webhook = Webhook.objects.earliest("id")

    with pytest.raises(WebhookNotAccepted):
        send_webhook(webhook)
    cache.set(STATUS_KEY, 200)
    send_webhook(webhook)

    first, second = _events(cache.get(RECEIVED_KEY))
    assert first["event_id"] == second["event_id"]
    webhook.refresh_from_db()
    assert webhook.attempts == 2
    assert webhook.delivered_at is not None


def test_dropped_and_duplicated_webhooks_can_be_injected(paddle, live_server):
    inject_fault(target="paddle_webhooks", kind="drop", count=1)
    inject_fault(target="paddle_webhooks", kind="duplicate", count=1)
    transaction = _checkout(paddle)

    _press(live_server, transaction, "pay")

    events = _events(_deliver_all())
    assert [event["event_type"] for event in events] == [
        "transaction.completed",
        "transaction.completed",
    ]
    assert events[0]["event_id"] == events[1]["event_id"]


@pytest.mark.slow
def test_a_celery_worker_delivers_the_webhooks_and_retries_until_accepted(
    paddle, live_server, worker
):
    cache.set(STATUS_KEY, 503)  # HIROAM is briefly down
    transaction = _checkout(paddle)

    _press(live_server, transaction, "pay")

    assert wait_for(lambda: Webhook.objects.filter(last_error="HTTP 503").count() == 2, worker)
    cache.set(STATUS_KEY, 200)
    assert wait_for(lambda: not Webhook.objects.filter(delivered_at__isnull=True).exists(), worker)
    accepted = [
        event["event_type"]
        for event in _events(cache.get(RECEIVED_KEY))
        if event["data"]["status"] in ("paid", "completed")
    ]
    assert sorted(set(accepted)) == ["transaction.completed", "transaction.paid"]
    assert all(hook.attempts >= 2 for hook in Webhook.objects.all())
