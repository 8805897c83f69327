"""PostgreSQL drops the product's connections (a failover, a restart, an idle-connection
reaper: here pg_terminate_backend from another session). The web server keeps its connection
from one request to the next (CONN_MAX_AGE) and must notice it is gone (CONN_HEALTH_CHECKS);
a worker loses its connection in the middle of a task, and must carry on with the next task
and try the interrupted one again."""

import re
from datetime import timedelta

import pytest
import requests
from django.db import connection
from django.utils import timezone
from rest_framework_simplejwt.token_blacklist.models import OutstandingToken

from accounts.tasks import flush_expired_tokens
from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import EsimOrder, Fault
from orders.models import OrderStatus
from orders.tasks import fulfil_order
from tests.catalog.factories import PackageFactory
from tests.esim_sandbox import paid_order_of, use_sandbox_codes
from tests.faults.processes import WebServer
from tests.worker import _test_database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def _named(name):
    """The test database's URL with a connection name, to find that process's backends."""
    return f"{_test_database_url()}?application_name={name}"


def _drop_connections_of(name):
    """Terminates the named process's backends on the test database; says how many."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
            " AND application_name = %s",
            [name],
        )
        return cursor.fetchone()[0]


@pytest.fixture
def web_server(transactional_db):
    server = WebServer({"DATABASE_URL": _named("faults-web"), "CATALOG_CACHE_SECONDS": "0"})
    server.start()
    yield server
    server.stop()


def test_the_next_request_reconnects_after_the_database_dropped_the_connection(web_server):
    package = PackageFactory.create(slug="japan-1gb")

    def package_page():
        return requests.get(f"{web_server.url}/api/v1/packages/japan-1gb", timeout=10)

    def database_check():
        return requests.get(f"{web_server.url}/health", timeout=10).json()["checks"]["database"]

    assert package_page().status_code == 200
    for _ in range(2):  # twice: the connection made after the first drop is dropped too
        assert _drop_connections_of("faults-web") == 1  # the connection it kept, now gone
        response = package_page()
        assert response.status_code == 200, response.text
        assert response.json()["data"]["id"] == str(package.pk)
        assert _drop_connections_of("faults-web") == 1
        assert database_check()["status"] == "healthy"


def test_a_worker_whose_connection_drops_mid_task_goes_on_and_retries_it(
    provider, sandbox_package_codes, workers, settings, customer
):
    settings.SANDBOX_SLOW_FAULT_SECONDS = 2.0
    workers.environment["DATABASE_URL"] = _named("faults-worker")
    order = paid_order_of(1)
    use_sandbox_codes(order, sandbox_package_codes)
    inject_fault(target="esim_access_api", kind="slow", path="esim/order")
    worker = workers.start()

    fulfil_order.delay(str(order.pk))
    assert workers.wait_for(lambda: not Fault.objects.exists(), worker)  # at the provider
    assert _drop_connections_of("faults-worker") == 1  # the connection the task is using

    # The interrupted task fails on its next query and is retried, not dropped...
    retried = re.compile(r"Task orders\.tasks\.fulfil_order\[[^]]+\] retry: .*OperationalError")
    assert workers.wait_for(lambda: retried.search(workers.log(worker)), worker), workers.log(
        worker
    )
    # ... and the worker's next task gets a connection of its own.
    token = OutstandingToken.objects.create(
        user=customer, jti="expired", token="t", expires_at=timezone.now() - timedelta(days=1)
    )
    flush_expired_tokens.delay()
    assert workers.wait_for(
        lambda: not OutstandingToken.objects.filter(pk=token.pk).exists(), worker
    )
    # Nothing lost or handed to a human; the retry (at once, or in up to 30 s) buys it once.
    order.refresh_from_db()
    assert order.status in (OrderStatus.PAID, OrderStatus.PROCESSING, OrderStatus.COMPLETED)
    assert not order.needs_review
    assert EsimOrder.objects.count() == 1
