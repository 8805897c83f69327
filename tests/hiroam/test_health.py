import time

import pytest
from django.db import connection
from django.test import override_settings

from hiroam.health import WORKER_SILENCE_LIMIT_SECONDS, record_worker_heartbeat
from tests.conftest import DEAD_REDIS_URL, unreachable_cache


@pytest.mark.django_db
def test_healthy_when_database_and_redis_answer(client):
    response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "healthy"
    assert body["checks"]["database"]["status"] == "healthy"
    assert body["checks"]["redis"]["status"] == "healthy"
    assert body["checks"]["database"]["latency_ms"] >= 0
    assert body["version"]
    assert body["checks"]["worker"]["status"] == "unknown"  # no worker has reported yet


@pytest.mark.django_db
def test_degraded_when_redis_is_unreachable(client):
    # Redis down means the broker URL and the cache both point at nothing.
    with override_settings(REDIS_URL=DEAD_REDIS_URL), unreachable_cache():
        response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "unhealthy"
    assert body["checks"]["worker"]["status"] == "unknown"
    assert "127.0.0.1" not in response.content.decode()  # no connection details leak


@pytest.mark.django_db
def test_health_still_answers_when_the_worker_heartbeat_cannot_be_read(client):
    record_worker_heartbeat()
    with unreachable_cache():  # Redis answered the ping, then the cache read failed
        response = client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["worker"] == {"status": "unknown", "error": "ConnectionError"}
    assert body["checks"]["database"]["status"] == "healthy"


@pytest.mark.django_db
def test_degraded_when_workers_fell_silent(client):
    record_worker_heartbeat(now=time.time() - WORKER_SILENCE_LIMIT_SECONDS - 60)

    body = client.get("/health").json()

    assert body["status"] == "degraded"
    assert body["checks"]["worker"]["status"] == "degraded"


@pytest.mark.django_db(transaction=True)
def test_unhealthy_503_when_the_database_is_unreachable(client):
    real_port = connection.settings_dict["PORT"]
    connection.close()
    connection.settings_dict["PORT"] = "1"  # nothing listens there
    try:
        response = client.get("/health")
    finally:
        connection.close()
        connection.settings_dict["PORT"] = real_port

    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"]["status"] == "unhealthy"
    assert body["checks"]["redis"]["status"] == "healthy"
