"""A task sent by the web side is executed by a separate Celery worker process, through the
real Redis broker, against the test database."""

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.tasks import flush_expired_tokens
from hiroam.tasks import record_worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]


def _test_database_url() -> str:
    """The database this test runs on (test_...), for the worker to use the same one."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'], safe='')}"


@pytest.fixture
def worker(transactional_db):
    # Rows the test writes are committed (transactional_db), so the worker sees them.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hiroam.test_settings",
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": _test_database_url(),
    }
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "hiroam",
            "worker",
            "--pool",
            "solo",
            "--loglevel",
            "WARNING",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    yield process
    process.terminate()
    process.wait(timeout=20)


def _wait_for(condition, worker, timeout_seconds=30):
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert worker.poll() is None, worker.stdout.read().decode()
        time.sleep(0.25)
    return condition()


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_a_task_sent_by_the_web_process_runs_in_the_worker(worker, client):
    def worker_status():
        return client.get("/health").json()["checks"]["worker"]["status"]

    assert worker_status() == "unknown"

    record_worker_heartbeat.delay()

    assert _wait_for(lambda: worker_status() == "healthy", worker)


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

    assert _wait_for(lambda: not OutstandingToken.objects.filter(pk=expired.pk).exists(), worker)
    assert OutstandingToken.objects.filter(pk=live.pk).exists()
