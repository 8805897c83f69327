"""/metrics: who may read it, and that what it says is what happened, summed over processes."""

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from analytics.models import RefreshState
from hiroam.integrations.calls import breaker_from_settings
from hiroam.observability import metrics
from orders.models import EmailLog, OrderStatus, WebhookLog
from refunds.models import RefundRun
from tests.orders.factories import OrderFactory, paid_order
from tests.worker import ROOT

pytestmark = pytest.mark.django_db


def scrape(client, **headers) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = client.get("/metrics", **headers)
    assert response.status_code == 200, response.status_code
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.content.decode())
        for sample in family.samples
    }


def value(samples, name, **labels) -> float:
    return samples[(name, tuple(sorted(labels.items())))]


def test_only_the_token_or_an_allowed_address_reads_metrics(client, settings):
    settings.METRICS_TOKEN = "scrape-me-0123456789"
    outsider = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outsider).status_code == 404
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong", **outsider).status_code == 404
    assert scrape(client, HTTP_AUTHORIZATION="Bearer scrape-me-0123456789", **outsider)
    assert scrape(client)  # the test client is 127.0.0.1, allowed by default


def test_requests_are_counted_by_route_never_by_path(client):
    client.get("/api/v1/packages")
    client.get("/api/v1/packages")
    client.get("/api/v1/packages/no-such-package")
    client.get("/no/such/page")

    samples = scrape(client)

    listing = {"route": "api/v1/packages", "method": "GET"}
    assert value(samples, "hiroam_http_requests_total", status="200", **listing) == 2
    assert value(samples, "hiroam_http_request_duration_seconds_count", **listing) == 2
    detail = {"route": "api/v1/packages/<str:id_or_slug>", "method": "GET", "status": "404"}
    assert value(samples, "hiroam_http_requests_total", **detail) == 1
    assert (
        value(
            samples, "hiroam_http_requests_total", route="(unmatched)", method="GET", status="404"
        )
        == 1
    )
    assert not any("no-such-package" in str(labels) for _, labels in samples)


def test_the_state_of_the_business_is_read_at_scrape_time(client):
    now = timezone.now()
    OrderFactory.create_batch(2)  # pending
    paid_order(paid_at=now - timedelta(minutes=7))  # paid, its eSIMs not there yet
    paid_order(needs_review=True, review_reason="eSIM Access refused: balance")
    paid_order(status=OrderStatus.COMPLETED)
    WebhookLog.objects.create(
        source="paddle",
        event_type="transaction.completed",
        event_id="evt_1",
        payload={},
        created_at=now - timedelta(minutes=3),
    )
    EmailLog.objects.create(
        to_email="a@example.com", template_name="esim_delivery", status=EmailLog.Status.FAILED
    )
    RefundRun.objects.create(trigger="schedule", finished_at=now, processed=5, refunded=4, failed=1)
    RefreshState.objects.create(refreshed_at=now - timedelta(minutes=4))
    breaker = breaker_from_settings("paddle")
    for _ in range(breaker.failure_threshold):
        breaker.record_failure()

    samples = scrape(client)

    assert value(samples, "hiroam_orders", status="pending") == 2
    assert value(samples, "hiroam_orders", status="paid") == 2
    assert value(samples, "hiroam_orders", status="completed") == 1
    assert value(samples, "hiroam_esim_orders", state="waiting") == 2
    assert value(samples, "hiroam_esim_orders", state="needs_review") == 1
    assert 7 * 60 <= value(samples, "hiroam_esim_oldest_waiting_seconds") < 8 * 60
    assert value(samples, "hiroam_webhook_backlog", source="paddle") == 1
    assert value(samples, "hiroam_webhook_backlog", source="esim_access") == 0
    assert 3 * 60 <= value(samples, "hiroam_webhook_lag_seconds", source="paddle") < 4 * 60
    assert value(samples, "hiroam_emails_failed_last_hour") == 1
    assert value(samples, "hiroam_refund_job_last_run", result="failed") == 1
    refreshed = (now - timedelta(minutes=4)).timestamp()
    assert value(samples, "hiroam_analytics_refreshed_timestamp_seconds") == refreshed
    assert value(samples, "hiroam_circuit_breaker_state", provider="paddle") == 2
    assert value(samples, "hiroam_circuit_breaker_state", provider="esim_access") == 0
    assert value(samples, "hiroam_celery_queue_length", queue="celery") >= 0


def test_counts_from_other_processes_add_up(client):
    """Four web workers and the Celery workers each record; one scrape sees the sum."""
    metrics.increment(metrics.CHECKOUTS_CREATED)
    other_process = (
        "import django; django.setup();"
        "from hiroam.observability import metrics;"
        "metrics.increment(metrics.CHECKOUTS_CREATED);"
        "metrics.observe(metrics.PAYMENT_TO_DELIVERY, 42.0)"
    )
    for _ in range(2):
        subprocess.run(  # the same Redis: test_settings reads REDIS_URL from the environment
            [sys.executable, "-c", other_process],
            cwd=ROOT,
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "hiroam.test_settings"},
            check=True,
        )

    samples = scrape(client)

    assert value(samples, "hiroam_checkouts_created_total") == 3
    assert value(samples, "hiroam_payment_to_delivery_seconds_count") == 2
    assert value(samples, "hiroam_payment_to_delivery_seconds_bucket", le="30.0") == 0
    assert value(samples, "hiroam_payment_to_delivery_seconds_bucket", le="60.0") == 2
    assert value(samples, "hiroam_payment_to_delivery_seconds_sum") == 84.0


def test_recording_never_fails_the_request_when_redis_is_down(client):
    from tests.conftest import unreachable_cache

    with unreachable_cache():
        metrics.increment(metrics.CHECKOUTS_CREATED)  # dropped, said in the log
        metrics.observe(metrics.HTTP_DURATION, 0.1, "x", "GET")
        assert client.get("/health").status_code in (200, 503)


@pytest.mark.django_db(transaction=True)
def test_provider_calls_and_the_balance_are_reported(provider, client):
    from monitoring.tasks import check_provider_balance

    cents = check_provider_balance()  # what the periodic job runs

    samples = scrape(client)
    assert value(samples, "hiroam_esim_access_balance_cents") == cents > 0
    calls = [
        (dict(labels), count)
        for (name, labels), count in samples.items()
        if name == "hiroam_provider_calls_total"
    ]
    assert calls == [
        ({"provider": "esim_access", "operation": calls[0][0]["operation"], "outcome": "ok"}, 1)
    ]
    assert "balance" in calls[0][0]["operation"]
