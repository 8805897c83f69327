"""Views of experiment prices: counted once per visitor per experiment per day, buffered in
Redis (no database write per request) and stored in batches by the flush task."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from pricing.experiments import views
from pricing.models import ExperimentAssignment, ExperimentVariantDay, ExperimentView, PriceVariant
from tests.catalog.factories import PackageFactory
from tests.conftest import unreachable_cache
from tests.pricing.factories import running_experiment

NOON = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)


def _variant_days(variant):
    return {
        row.day.isoformat(): (row.visitors, row.views)
        for row in ExperimentVariantDay.objects.filter(variant=variant)
    }


def _arms(experiment):
    control = PriceVariant.objects.get(experiment=experiment, is_control=True)
    lower = PriceVariant.objects.get(experiment=experiment, is_control=False)
    return control, lower


@pytest.mark.django_db
def test_a_visitor_counts_once_a_day_however_many_prices_they_see():
    experiment = running_experiment(packages=[PackageFactory.create()])
    control, _ = _arms(experiment)
    shown = [(str(experiment.pk), str(control.pk))]
    views.record("g:visitor-one-aaaaaa", shown, NOON)
    views.record("g:visitor-one-aaaaaa", shown, NOON + timedelta(hours=3))
    views.record("g:visitor-two-bbbbbb", shown, NOON)
    assert views.queued_views() == 2
    assert ExperimentView.objects.count() == 0  # nothing written while they browse

    assert views.flush_views(now=NOON) == 2
    views.record("g:visitor-one-aaaaaa", shown, NOON + timedelta(days=1))
    views.flush_views(now=NOON + timedelta(days=1))

    # Two visitors on the 6th; the first came back on the 7th: a view, not a new visitor.
    assert _variant_days(control) == {"2026-12-06": (2, 2), "2026-12-07": (0, 1)}
    assert ExperimentAssignment.objects.filter(variant=control).count() == 2
    assert views.queued_views() == 0


@pytest.mark.django_db
def test_concurrent_requests_of_one_visitor_count_one_view():
    experiment = running_experiment(packages=[PackageFactory.create()])
    _, lower = _arms(experiment)
    shown = [(str(experiment.pk), str(lower.pk))]
    start = threading.Barrier(16)

    def view() -> None:
        start.wait()
        views.record("g:the-same-visitor-x", shown, NOON)

    with ThreadPoolExecutor(16) as pool:
        list(pool.map(lambda _: view(), range(16)))
    assert views.queued_views() == 1
    views.flush_views(now=NOON)

    assert _variant_days(lower) == {"2026-12-06": (1, 1)}


@pytest.mark.django_db(transaction=True)
def test_concurrent_api_requests_of_one_visitor_count_one_view():
    package = PackageFactory.create()
    experiment = running_experiment(packages=[package])

    def look(_: int) -> int:
        client = APIClient(HTTP_X_VISITOR_ID="app-install-1234567890")
        return client.get(f"/api/v1/packages/{package.pk}").status_code

    with ThreadPoolExecutor(8) as pool:
        assert set(pool.map(look, range(24))) == {200}
    views.flush_views(now=datetime.now(UTC))

    assert ExperimentView.objects.filter(experiment=experiment).count() == 1
    stored = ExperimentVariantDay.objects.get()
    assert (stored.visitors, stored.views) == (1, 1)


@pytest.mark.django_db
def test_a_flush_that_died_before_trimming_the_queue_counts_nothing_twice():
    experiment = running_experiment(packages=[PackageFactory.create()])
    control, _ = _arms(experiment)
    views.record("g:visitor-one-aaaaaa", [(str(experiment.pk), str(control.pk))], NOON)
    # The batch was stored, then the worker died before trimming it from the queue.
    views._store(views._redis().lrange(views.QUEUE, 0, -1), NOON)

    assert views.flush_views(now=NOON) == 1  # stored again: adds nothing
    assert _variant_days(control) == {"2026-12-06": (1, 1)}


@pytest.mark.django_db
def test_a_flush_stores_a_batch_in_one_statement_and_skips_what_it_cannot_store():
    kept = running_experiment(packages=[PackageFactory.create()], name="Kept")
    gone = running_experiment(packages=[PackageFactory.create()], name="Gone")
    kept_control, _ = _arms(kept)
    gone_control, _ = _arms(gone)
    for n in range(50):
        views.record(f"g:visitor-{n:012d}", [(str(kept.pk), str(kept_control.pk))], NOON)
        views.record(f"g:visitor-{n:012d}", [(str(gone.pk), str(gone_control.pk))], NOON)
    gone.delete()
    views._redis().rpush(views.QUEUE, b"not a view", b"x y g:visitor 2026-12-06")

    with CaptureQueriesContext(connection) as captured:
        assert views.flush_views(now=NOON) == 102  # read, and the two malformed skipped
    assert len([q for q in captured if "INSERT" in q["sql"]]) == 1
    assert _variant_days(kept_control) == {"2026-12-06": (50, 50)}


@pytest.mark.django_db
def test_a_second_flush_at_once_leaves_the_queue_to_the_first():
    experiment = running_experiment(packages=[PackageFactory.create()])
    control, _ = _arms(experiment)
    views.record("g:visitor-one-aaaaaa", [(str(experiment.pk), str(control.pk))], NOON)
    held = views._redis().lock(views.FLUSH_LOCK, timeout=10)
    assert held.acquire(blocking=False)
    try:
        assert views.flush_views(now=NOON) == 0
        assert views.queued_views() == 1
    finally:
        held.release()
    assert views.flush_views(now=NOON) == 1


@pytest.mark.django_db
def test_with_redis_down_a_price_is_shown_and_its_view_not_counted():
    experiment = running_experiment(packages=[PackageFactory.create()])
    control, _ = _arms(experiment)
    with unreachable_cache():
        views.record("g:visitor-one-aaaaaa", [(str(experiment.pk), str(control.pk))], NOON)
    cache.clear()
    assert views.queued_views() == 0


@pytest.mark.django_db
def test_a_web_process_sends_the_views_it_served_in_batches(settings):
    settings.EXPERIMENT_VIEWS_SEND_SECONDS = 0.05
    experiment = running_experiment(packages=[PackageFactory.create()])
    control, _ = _arms(experiment)
    for n in range(3):
        views.record(f"g:visitor-{n:012d}", [(str(experiment.pk), str(control.pk))], NOON)
        views.record(f"g:visitor-{n:012d}", [(str(experiment.pk), str(control.pk))], NOON)

    deadline = time.monotonic() + 5
    while views.queued_views() < 3 and time.monotonic() < deadline:
        time.sleep(0.02)

    assert views.queued_views() == 3  # sent by the process's sender, each visitor once
    views.flush_views(now=NOON)
    assert _variant_days(control) == {"2026-12-06": (3, 3)}


@pytest.mark.django_db
def test_a_flush_that_loses_its_lock_mid_batch_leaves_the_batch_to_the_next(monkeypatch):
    experiment = running_experiment(packages=[PackageFactory.create()])
    control, _ = _arms(experiment)
    views.record("g:visitor-one-aaaaaa", [(str(experiment.pk), str(control.pk))], NOON)
    store = views._store

    def slow_store(entries, now):  # so slow that the lock expired and another flush took it
        store(entries, now)
        views._redis().delete(views.FLUSH_LOCK)

    monkeypatch.setattr(views, "_store", slow_store)
    assert views.flush_views(now=NOON) == 0
    assert views.queued_views() == 1  # not trimmed by the flush that lost its lock

    monkeypatch.setattr(views, "_store", store)
    assert views.flush_views(now=NOON) == 1
    assert _variant_days(control) == {"2026-12-06": (1, 1)}  # stored twice, counted once
