"""No secret and no activation code reaches the logs: a whole purchase (checkout, Paddle's
signed webhook, fulfilment at eSIM Access, the order read back with its secret link) logged at
DEBUG through the configured handler, and each kind of secret handed to a log call directly."""

import io
import json
import logging
import time

import pytest
from django.utils import timezone

from hiroam.logging import JsonFormatter
from orders.models import EsimProfile, Order, OrderItem, WebhookLog
from orders.services.fulfilment import order_from_provider
from orders.services.payments import process_paddle_event
from orders.services.provider_events import collect_profiles
from tests.catalog.factories import PackageFactory
from tests.esim_sandbox import use_sandbox_codes
from tests.orders.conftest import CHECKOUT, WEBHOOK, cart, checkout_body, paddle_event, signed

pytestmark = pytest.mark.django_db(transaction=True)

SENDGRID_KEY = "SG.test-sendgrid-key-never-logged"


@pytest.fixture
def production_log(settings):
    """What the console handler of settings.LOGGING writes, as JSON lines (extras included),
    with every logger at DEBUG."""
    settings.SENDGRID_API_KEY = SENDGRID_KEY
    (handler,) = [h for h in logging.getLogger().handlers if h.get_name() == "console"]
    assert isinstance(handler, logging.StreamHandler)
    output = io.StringIO()
    previous_stream, previous_formatter = handler.setStream(output), handler.formatter
    root = logging.getLogger()
    previous_level = root.level
    handler.setFormatter(JsonFormatter())
    root.setLevel(logging.DEBUG)
    yield output
    root.setLevel(previous_level)
    handler.setFormatter(previous_formatter)
    handler.setStream(previous_stream)


def _secrets(settings):
    return [
        settings.SECRET_KEY,
        *settings.FIELD_ENCRYPTION_KEYS,
        settings.ESIM_ACCESS_CODE,
        settings.ESIM_SECRET_KEY,
        settings.PADDLE_API_KEY,
        *settings.PADDLE_WEBHOOK_SECRETS,
        SENDGRID_KEY,
    ]


def test_a_whole_purchase_logs_no_secret(
    api_client, paddle_sandbox, provider, sandbox_package_codes, production_log, settings
):
    package = PackageFactory.create(price_usd_cents=999)
    checkout = api_client.post(CHECKOUT, checkout_body(cart(package)), format="json")
    assert checkout.status_code == 201, checkout.content
    access_token = checkout.json()["data"]["access_token"]
    order = Order.objects.get(pk=checkout.json()["data"]["order_id"])
    body, headers = signed(
        paddle_event(
            "transaction.completed",
            order,
            event_id="evt_logs",
            occurred_at=timezone.now().isoformat(),
            payments=[{"status": "captured"}],
        )
    )
    delivered = api_client.generic("POST", WEBHOOK, body, "application/json", **headers)
    assert delivered.status_code == 200, delivered.content
    process_paddle_event(WebhookLog.objects.get(event_id="evt_logs").pk, timezone.now())
    use_sandbox_codes(order, sandbox_package_codes)
    assert order_from_provider(order.pk, timezone.now()) == "ordered"
    from hiroam.sandbox.tasks import allocate_order

    item = OrderItem.objects.get(order=order)
    allocate_order(item.esim_order_no)
    collect_profiles(item.pk, timezone.now())
    (profile,) = EsimProfile.objects.filter(order=order)
    shown = api_client.get(f"/api/v1/orders/{order.pk}", {"token": access_token})
    assert profile.activation_code in shown.content.decode()  # delivered and shown...
    # As if a careless log call wrote the answer out: the net must catch it.
    logging.getLogger("tests").info("order page answered %s", shown.content.decode())

    written = production_log.getvalue()
    assert len(written.splitlines()) > 10  # the purchase was logged, at DEBUG
    signature = headers["HTTP_PADDLE_SIGNATURE"].split("h1=")[1]
    for secret in [*_secrets(settings), access_token, signature, profile.activation_code]:
        assert secret not in written, f"{secret[:6]}… is in the log"  # ...and never logged
    if profile.manual_code:
        assert profile.manual_code not in written
    assert '\\"activation_code\\":\\"[redacted]\\"' in written


def test_each_kind_of_secret_is_redacted_wherever_it_is_put(production_log, settings):
    lpa = "LPA:1$rsp.example.com$K2-7QXH8-SECRET"
    jwt = "eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoxfQ.c2lnbmF0dXJlLXZhbHVl"
    log = logging.getLogger("orders.test")
    secrets = _secrets(settings)

    log.info("provider said %s with key %s", {"ac": lpa}, secrets[3])
    log.info("delivered %s", lpa, extra={"profile": {"activationCode": lpa, "iccid": "8988"}})
    log.warning("refused Paddle-Signature: ts=%d;h1=%s", time.time(), "ab12" * 16)
    log.info("refresh with %s", jwt, extra={"keys": secrets})
    try:
        raise ValueError(f"could not decrypt with {secrets[1]}: {lpa}")
    except ValueError:
        log.exception("failed")

    written = production_log.getvalue()
    for secret in [*secrets, lpa, "K2-7QXH8-SECRET", jwt, "ab12" * 16]:
        assert secret not in written
    lines = [json.loads(line) for line in written.splitlines()]
    assert lines[1]["profile"] == {"activationCode": "[redacted]", "iccid": "8988"}
    assert "LPA:1$[redacted]" in lines[1]["message"]
    assert "h1=[redacted]" in lines[2]["message"]
    assert "ValueError: could not decrypt with [redacted]" in lines[4]["exception"]
