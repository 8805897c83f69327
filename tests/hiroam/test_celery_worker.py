"""A task sent by the web side is executed by a separate Celery worker process, through the
real Redis broker, against the test database."""

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.tasks import flush_expired_tokens
from hiroam.tasks import record_worker_heartbeat
from tests.worker import wait_for


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_by_the_web_process_runs_in_the_worker(worker, client):
    def worker_status():
        return client.get("/health").json()["checks"]["worker"]["status"]

    assert worker_status() == "unknown"

    record_worker_heartbeat.delay()

    assert wait_for(lambda: worker_status() == "healthy", worker)


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_the_worker_works_on_the_test_database(worker, customer):
    expired = OutstandingToken.objects.create(
        user=customer, jti="expired-1", token="t", expires_at=timezone.now() - timedelta(days=1)
    )
    live = OutstandingToken.objects.create(
        user=customer, jti="live-1", token="t", expires_at=timezone.now() + timedelta(days=1)
    )

    flush_expired_tokens.delay()

    assert wait_for(lambda: not OutstandingToken.objects.filter(pk=expired.pk).exists(), worker)
    assert OutstandingToken.objects.filter(pk=live.pk).exists()
