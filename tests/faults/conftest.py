"""Fixtures of the fault tests: workers the test starts and kills, and a Redis of its own."""

import pytest

from tests.faults.processes import RedisServer, Workers


@pytest.fixture
def workers(transactional_db, live_server, tmp_path):
    """Workers deliver the sandbox's webhooks to the live server and call its sandbox, as the
    providers would; a message a killed worker took comes back after 2 seconds."""
    environment = {"APP_URL": live_server.url, "CELERY_BROKER_VISIBILITY_TIMEOUT_SECONDS": "2"}
    started = Workers(environment, tmp_path)
    yield started
    started.stop_all()


@pytest.fixture
def own_redis(tmp_path):
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()
