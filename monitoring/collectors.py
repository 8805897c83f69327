"""What /metrics says: the counters and histograms every process records in Redis
(hiroam.observability.metrics), and gauges worked out from the database and Redis at scrape
time (a handful of aggregate queries, however many orders there are)."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import redis
from django.conf import settings
from django.db.models import Count, Min
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from analytics.models import RefreshState
from hiroam.integrations.calls import breaker_from_settings
from hiroam.integrations.circuit_breaker import CircuitState
from hiroam.observability import metrics
from monitoring import provider_balance
from orders.models import EmailLog, EsimStatus, Order, OrderStatus, WebhookLog
from pricing.experiments.views import queued_views
from refunds.models import RefundRun

PROVIDERS = ("esim_access", "paddle")
CIRCUIT_STATES = {CircuitState.CLOSED: 0, CircuitState.HALF_OPEN: 1, CircuitState.OPEN: 2}
EMAIL_FAILURE_WINDOW = timedelta(hours=1)


class RecordedMetrics(Collector):
    """The counters and histograms recorded by every process."""

    def collect(self) -> Iterator[Metric]:
        for counter in metrics.COUNTERS:
            counted = CounterMetricFamily(counter.name, counter.help, labels=counter.labels)
            for labels, value in sorted(metrics.read_counter(counter).items()):
                counted.add_metric(list(labels), value)
            yield counted
        for histogram in metrics.HISTOGRAMS:
            family = HistogramMetricFamily(histogram.name, histogram.help, labels=histogram.labels)
            bounds = [*map(str, histogram.buckets), "+Inf"]
            for labels, series in sorted(metrics.read_histogram(histogram).items()):
                family.add_metric(
                    list(labels),
                    list(zip(bounds, series.cumulative, strict=True)),
                    series.total,
                )
            yield family


class BusinessState(Collector):
    """Gauges of the state of the business, read at scrape time."""

    def __init__(self, now: Any) -> None:
        self.now: Any = now  # a callable: the moment of each scrape

    def collect(self) -> Iterator[Metric]:
        now: datetime = self.now()
        yield from self._orders(now)
        yield from self._webhooks(now)
        yield from self._providers()
        yield self._queues()
        yield from self._refund_job()
        yield from self._analytics()
        yield from self._experiment_views()
        yield from self._provider_balance()
        failed = EmailLog.objects.filter(
            status=EmailLog.Status.FAILED, created_at__gte=now - EMAIL_FAILURE_WINDOW
        ).count()
        yield GaugeMetricFamily(
            "hiroam_emails_failed_last_hour", "Customer emails that gave up, last hour.", failed
        )

    def _orders(self, now: datetime) -> Iterator[Metric]:
        by_status = dict(
            Order.objects.values_list("status").annotate(n=Count("id")).values_list("status", "n")
        )
        orders = GaugeMetricFamily("hiroam_orders", "Orders by status.", labels=["status"])
        for status in OrderStatus.values:
            orders.add_metric([status], by_status.get(status, 0))
        yield orders
        waiting = Order.objects.filter(
            status__in=(OrderStatus.PAID, OrderStatus.PROCESSING),
            esim_status__in=(EsimStatus.PENDING, EsimStatus.ORDERED),
        ).aggregate(n=Count("id"), oldest=Min("paid_at"))
        esims = GaugeMetricFamily(
            "hiroam_esim_orders",
            "Paid orders waiting for their eSIMs, and those of them flagged for a human.",
            labels=["state"],
        )
        esims.add_metric(["waiting"], waiting["n"])
        # A provider refusal flags the order for a human (needs review) rather than failing it.
        esims.add_metric(
            ["needs_review"],
            Order.objects.filter(
                status__in=(OrderStatus.PAID, OrderStatus.PROCESSING), needs_review=True
            ).count(),
        )
        yield esims
        oldest = waiting["oldest"]
        yield GaugeMetricFamily(
            "hiroam_esim_oldest_waiting_seconds",
            "How long the longest-waiting paid order has waited for its eSIMs.",
            (now - oldest).total_seconds() if oldest else 0,
        )

    def _webhooks(self, now: datetime) -> Iterator[Metric]:
        rows = (
            WebhookLog.objects.filter(processed=False)
            .values("source")
            .annotate(n=Count("id"), oldest=Min("created_at"))
        )
        by_source = {row["source"]: row for row in rows}
        backlog = GaugeMetricFamily(
            "hiroam_webhook_backlog", "Webhooks stored but not processed yet.", labels=["source"]
        )
        lag = GaugeMetricFamily(
            "hiroam_webhook_lag_seconds",
            "Age of the oldest webhook not processed yet (0: none waiting).",
            labels=["source"],
        )
        for source in WebhookLog.Source.values:
            row = by_source.get(source)
            backlog.add_metric([source], row["n"] if row else 0)
            lag.add_metric([source], (now - row["oldest"]).total_seconds() if row else 0)
        yield backlog
        yield lag

    def _providers(self) -> Iterator[Metric]:
        state = GaugeMetricFamily(
            "hiroam_circuit_breaker_state",
            "A provider's circuit breaker: 0 closed, 1 half open (trying), 2 open (paused).",
            labels=["provider"],
        )
        for provider in PROVIDERS:
            state.add_metric([provider], CIRCUIT_STATES[breaker_from_settings(provider).state()])
        yield state

    def _queues(self) -> Metric:
        queues = GaugeMetricFamily(
            "hiroam_celery_queue_length", "Tasks waiting in a Celery queue.", labels=["queue"]
        )
        broker = redis.Redis.from_url(
            settings.CELERY_BROKER_URL, socket_connect_timeout=2, socket_timeout=2
        )
        try:
            for queue in settings.MONITORED_CELERY_QUEUES:
                queues.add_metric([queue], broker.llen(queue))
        finally:
            broker.close()
        return queues

    def _refund_job(self) -> Iterator[Metric]:
        last = (
            RefundRun.objects.filter(dry_run=False, finished_at__isnull=False)
            .order_by("-started_at")
            .first()
        )
        results = GaugeMetricFamily(
            "hiroam_refund_job_last_run", "The last refund job run's results.", labels=["result"]
        )
        for result in ("processed", "refunded", "not_refundable", "failed"):
            results.add_metric([result], getattr(last, result) if last else 0)
        yield results
        yield GaugeMetricFamily(
            "hiroam_refund_job_last_finished_timestamp_seconds",
            "When the last refund job run finished (Unix time; 0: never).",
            last.finished_at.timestamp() if last and last.finished_at else 0,
        )

    def _analytics(self) -> Iterator[Metric]:
        state = RefreshState.objects.filter(pk=1).values_list("refreshed_at", flat=True).first()
        yield GaugeMetricFamily(
            "hiroam_analytics_refreshed_timestamp_seconds",
            "When the analytics summaries were last refreshed (Unix time; 0: never).",
            state.timestamp() if state else 0,
        )

    def _experiment_views(self) -> Iterator[Metric]:
        yield GaugeMetricFamily(
            "hiroam_experiment_views_queued",
            "Views of experiment prices waiting in Redis to be stored (every 15 s normally).",
            queued_views(),
        )

    def _provider_balance(self) -> Iterator[Metric]:
        balance = provider_balance.last_balance()
        yield GaugeMetricFamily(
            "hiroam_esim_access_balance_cents",
            "Our prepaid balance at eSIM Access, as last checked (USD cents).",
            balance.cents if balance else float("nan"),
        )
        yield GaugeMetricFamily(
            "hiroam_esim_access_balance_checked_timestamp_seconds",
            "When the balance was last checked (Unix time; 0: never).",
            balance.checked_at if balance else 0,
        )
