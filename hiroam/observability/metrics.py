"""Counters and histograms that every process adds to (web workers, Celery workers, on any
host), kept in Redis so one scrape of /metrics sees their sum. A metric is one Redis hash;
each field is one series (its label values) and, for histograms, its bucket, count and sum.

Recording never fails the caller: with Redis down the observation is dropped (and said once a
minute in the log). The /metrics view (monitoring app) reads them back, with the gauges it
works out from the database at scrape time.
"""

import logging
import time
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from hiroam.redis_cache import redis_client

logger = logging.getLogger(__name__)

SEPARATOR = "\x1f"  # between label values in a field name: never inside a route or a status
_last_warning = 0.0


@dataclass(frozen=True)
class Counter:
    name: str  # without the _total suffix, which the exposition adds
    help: str
    labels: tuple[str, ...] = ()


@dataclass(frozen=True)
class Histogram:
    name: str
    help: str
    labels: tuple[str, ...]
    buckets: tuple[float, ...]  # upper bounds in seconds, ascending; +Inf is implied


@dataclass(frozen=True)
class HistogramSeries:
    cumulative: list[int]  # per bucket, then +Inf
    count: int
    total: float


LATENCY_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HTTP_REQUESTS = Counter(
    "hiroam_http_requests",
    "HTTP requests answered, by route, method and status.",
    ("route", "method", "status"),
)
HTTP_DURATION = Histogram(
    "hiroam_http_request_duration_seconds",
    "Time to answer an HTTP request, by route.",
    ("route", "method"),
    LATENCY_BUCKETS,
)
PROVIDER_CALLS = Counter(
    "hiroam_provider_calls",
    "Calls to eSIM Access and Paddle (each attempt), by outcome.",
    ("provider", "operation", "outcome"),
)
PROVIDER_DURATION = Histogram(
    "hiroam_provider_call_duration_seconds",
    "Time a provider call attempt took.",
    ("provider", "operation"),
    LATENCY_BUCKETS,
)
CHECKOUTS_CREATED = Counter("hiroam_checkouts_created", "Orders placed at checkout.")
PAYMENT_FAILURES = Counter(
    "hiroam_payment_failures", "Payment attempts Paddle reported failed (declined cards...)."
)
PAYMENT_TO_DELIVERY = Histogram(
    "hiroam_payment_to_delivery_seconds",
    "From the payment to the order's eSIMs all delivered.",
    (),
    (5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0, 14400.0),
)
COUNTERS = (HTTP_REQUESTS, PROVIDER_CALLS, CHECKOUTS_CREATED, PAYMENT_FAILURES)
HISTOGRAMS = (HTTP_DURATION, PROVIDER_DURATION, PAYMENT_TO_DELIVERY)


def _redis() -> Any:
    return redis_client()


def _key(name: str) -> str:
    return f"hiroam:metrics:{name}"


def _series(values: Sequence[str]) -> str:
    return SEPARATOR.join(values)


def _dropped(what: str) -> None:
    global _last_warning  # one warning a minute per process is enough
    if time.monotonic() - _last_warning > 60:
        _last_warning = time.monotonic()
        logger.warning("Metrics not recorded (Redis unreachable): %s", what, exc_info=True)


def increment(counter: Counter, *values: str, by: int = 1) -> None:
    try:
        _redis().hincrby(_key(counter.name), _series(values), by)
    except Exception:
        _dropped(counter.name)


def observe(histogram: Histogram, seconds: float, *values: str) -> None:
    """One observation: its bucket (not cumulative: reading adds them up), count and sum, in
    one round trip."""
    series = _series(values)
    bucket = next((str(bound) for bound in histogram.buckets if seconds <= bound), "+Inf")
    try:
        pipeline = _redis().pipeline(transaction=False)
        pipeline.hincrby(_key(histogram.name), f"{series}|{bucket}", 1)
        pipeline.hincrby(_key(histogram.name), f"{series}|count", 1)
        pipeline.hincrbyfloat(_key(histogram.name), f"{series}|sum", seconds)
        pipeline.execute()
    except Exception:
        _dropped(histogram.name)


def read_counter(counter: Counter) -> dict[tuple[str, ...], int]:
    raw = _redis().hgetall(_key(counter.name))
    return {_labels(field): int(value) for field, value in raw.items()}


def read_histogram(histogram: Histogram) -> dict[tuple[str, ...], HistogramSeries]:
    fields: dict[tuple[str, ...], dict[str, float]] = defaultdict(dict)
    for field, value in _redis().hgetall(_key(histogram.name)).items():
        series, _, part = field.decode().rpartition("|")
        fields[_labels(series.encode())][part] = float(value)
    read = {}
    for labels, parts in fields.items():
        running, cumulative = 0, []
        for bound in (*map(str, histogram.buckets), "+Inf"):
            running += int(parts.get(bound, 0))
            cumulative.append(running)
        read[labels] = HistogramSeries(cumulative, int(parts.get("count", 0)), parts.get("sum", 0))
    return read


def _labels(field: bytes) -> tuple[str, ...]:
    text = field.decode()
    return tuple(text.split(SEPARATOR)) if text else ()
