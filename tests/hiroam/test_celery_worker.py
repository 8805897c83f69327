"""A task sent by the web side is executed by a separate Celery worker process, through the
real Redis broker."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings

from hiroam.tasks import record_worker_heartbeat

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def worker():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hiroam.test_settings",
        "REDIS_URL": settings.REDIS_URL,
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


@pytest.mark.slow
@pytest.mark.django_db
def test_a_task_sent_by_the_web_process_runs_in_the_worker(worker, client):
    assert client.get("/health").json()["checks"]["worker"]["status"] == "unknown"

    record_worker_heartbeat.delay()

    deadline = time.monotonic() + 30
    status = "unknown"
    while time.monotonic() < deadline and status != "healthy":
        time.sleep(0.25)
        assert worker.poll() is None, worker.stdout.read().decode()
        status = client.get("/health").json()["checks"]["worker"]["status"]
    assert status == "healthy"
