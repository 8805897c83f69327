"""Redis (cache, rate limits, circuit breakers, the Celery broker) killed and started again
while customers check out over HTTP: each checkout succeeds or fails cleanly and whole, and
the shop works again once Redis is back, with nothing restarted."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
import requests
from django.db import connections

from catalog.models import EsimPackage, StockType
from hiroam.celery import app as celery_app
from hiroam.integrations.circuit_breaker import CircuitBreaker, CircuitState
from orders.models import EmailLog, Order, OrderStatus, Reservation
from pricing.models import DiscountCode, DiscountCodeUsage
from tests.catalog.factories import PackageFactory
from tests.conftest import unreachable_cache
from tests.orders.conftest import CHECKOUT, cart, checkout_body
from tests.pricing.factories import DiscountCodeFactory

pytestmark = pytest.mark.django_db(transaction=True)

STOCK = 500
CUSTOMERS = 2  # checking out at once, one after another (each request holds 2 DB connections)


def _point_celery_at(url):
    """The Celery app read its broker URL once and pools connections to it: both are reset
    (as after a fork), so the next task sent goes to `url`."""
    celery_app.conf["broker_url"] = url
    celery_app._pool = None  # type: ignore[attr-defined]
    celery_app.amqp._producer_pool = None  # type: ignore[attr-defined]


@pytest.fixture
def shop_on_own_redis(own_redis, settings, paddle_sandbox, monkeypatch):
    previous = celery_app.conf.broker_url  # read (and so loaded) before settings change
    settings.REDIS_URL = settings.CELERY_BROKER_URL = own_redis.url
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": own_redis.url}}
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "checkout": "10000/min"}
    settings.THROTTLE_RATES["checkout_email"] = "10000/min"
    # The live server's request threads keep their connection (CONN_MAX_AGE) and die with it
    # open, to be closed whenever the garbage collector gets there: a run of checkouts then
    # holds up to the server's max_connections. Closed at the end of each request instead.
    monkeypatch.setitem(connections.settings["default"], "CONN_MAX_AGE", 0)
    _point_celery_at(own_redis.url)
    yield paddle_sandbox
    _point_celery_at(previous)


def _checkout(server, package, n):
    body = checkout_body(cart(package), email=f"t{n}@example.com", code="FAULT10")
    try:
        return requests.post(f"{server.url}{CHECKOUT}", json=body, timeout=30)
    except requests.RequestException as error:  # the server must answer, whatever happens
        return error


@pytest.mark.slow
def test_checkouts_fail_cleanly_while_redis_is_down_and_work_again_after(
    shop_on_own_redis, own_redis
):
    server = shop_on_own_redis
    package = PackageFactory.create(stock_type=StockType.LIMITED, stock_quantity=STOCK)
    DiscountCodeFactory.create(code="FAULT10", max_uses=10_000)
    answers, answered_while_down = [], []
    stop, redis_down = threading.Event(), threading.Event()
    numbers = iter(range(100_000))

    def keep_checking_out():
        while not stop.is_set():
            down = redis_down.is_set()
            answers.append(answer := _checkout(server, package, next(numbers)))
            if down and redis_down.is_set():
                answered_while_down.append(answer)

    with ThreadPoolExecutor(max_workers=CUSTOMERS) as pool:
        for _ in range(CUSTOMERS):
            pool.submit(keep_checking_out)
        time.sleep(1.5)
        own_redis.stop()  # killed mid-traffic: connections drop, its data is gone
        redis_down.set()
        time.sleep(4.0)  # long enough for a few checkouts to start and end inside it
        redis_down.clear()
        own_redis.start()
        time.sleep(2.0)
        stop.set()
    after = [_checkout(server, package, next(numbers)) for _ in range(3)]

    failures = [a for a in answers + after if not isinstance(a, requests.Response)]
    assert not failures, failures[:3]
    assert len(answered_while_down) >= 3  # checkouts started and ended with Redis down
    statuses = [a.status_code for a in answers]
    assert set(statuses) <= {201, 503}, [
        a.text for a in answers if a.status_code not in (201, 503)
    ][:3]
    for answer in answers:
        if answer.status_code == 503:
            assert answer.json()["success"] is False and answer.json()["error"]["code"]
    assert [a.status_code for a in after] == [201, 201, 201], [a.text for a in after]

    # Nothing half-written: every order has its item; each answered 201 is pending and holds
    # one unit and one code use; any other order failed and gave back what it held.
    placed = {a.json()["data"]["order_number"] for a in answers + after if a.status_code == 201}
    assert not Order.objects.filter(items__isnull=True).exists()
    pending = set(
        Order.objects.filter(status=OrderStatus.PENDING).values_list("order_number", flat=True)
    )
    assert pending == placed
    assert not Order.objects.exclude(status__in=(OrderStatus.PENDING, OrderStatus.FAILED)).exists()
    assert set(
        Order.objects.filter(status=OrderStatus.FAILED).values_list("reservation", flat=True)
    ) <= {Reservation.RELEASED}
    assert EsimPackage.objects.get().stock_quantity == STOCK - len(placed)
    code = DiscountCode.objects.get()
    assert (code.current_uses, code.reserved_uses) == (0, len(placed))
    held = DiscountCodeUsage.objects.filter(status=DiscountCodeUsage.Status.RESERVED)
    assert held.count() == len(placed)
    # The queue works again without a restart: the last confirmations reached the broker.
    assert EmailLog.objects.count() == len(placed)
    assert redis.Redis.from_url(own_redis.url).llen("celery") >= 3


def test_a_breaker_lets_calls_through_while_redis_is_unreachable():
    breaker = CircuitBreaker("redis-down-test", failure_threshold=1, reset_timeout_seconds=60)
    with unreachable_cache():
        breaker.before_call()  # nothing known: the call goes out
        breaker.record_failure()
        breaker.before_call()  # and its failure could not open the circuit
        breaker.record_success()
    assert breaker.state() is CircuitState.CLOSED
