"""A real Celery worker process for tests, on the test database and the test Redis."""

import os
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def _test_database_url() -> str:
    """The database this test runs on (test_...), for the worker to use the same one."""
    database = connection.settings_dict
    credentials = quote(database["USER"] or "", safe="")
    if database["PASSWORD"]:
        credentials += ":" + quote(database["PASSWORD"], safe="")
    host, port = database["HOST"] or "127.0.0.1", database["PORT"] or "5432"
    return f"postgres://{credentials}@{host}:{port}/{quote(database['NAME'], safe='')}"


@pytest.fixture
def worker_environment():
    """Extra environment for the worker; a test module overrides this fixture to point the
    worker at its live server (e.g. APP_URL)."""
    return {}


@pytest.fixture
def worker(transactional_db, worker_environment):
    # Rows the test writes are committed (transactional_db), so the worker sees them.
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "hiroam.test_settings",
        "REDIS_URL": settings.REDIS_URL,
        "DATABASE_URL": _test_database_url(),
        **worker_environment,
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


def wait_for(condition, worker, timeout_seconds=30):
    deadline = time.monotonic() + timeout_seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        assert worker.poll() is None, worker.stdout.read().decode()
        time.sleep(0.25)
    return condition()
