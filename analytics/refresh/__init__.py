"""Keeping the summary tables (analytics.models) current, in SQL.

A refresh asks what changed since the last one (orders, eSIMs, ledger rows and accounts
touched after its watermark, less a margin for transactions that committed late), marks the
days and customers that change touches, and recomputes exactly those, whole, from the source
tables. A rebuild empties the summaries and runs the same steps over everything: the two can
only differ where a source row changed without leaving a trace (an account deleted), which the
nightly rebuild repairs.

Both run in one transaction under an advisory lock: the dashboard sees the figures before or
after a refresh, never half of one, and two runs never interleave.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connection, transaction

from analytics.models import RefreshState
from analytics.refresh import customers, ledgers, sales, scope

# A row saved before the watermark may commit after the run that set it read: the next run
# looks this far back again. Recomputing a day twice is harmless; missing it is not.
LATE_COMMIT_MARGIN = timedelta(minutes=10)
# The retention policy deletes unpaid checkouts this old (abandoned_unpaid_orders): a day of
# the funnel is final by then, kept as it was counted, never recounted from what is left.
FUNNEL_FINAL_AFTER = timedelta(days=89)
LOCK_KEY = 0x4A4E4C59  # pg_advisory_xact_lock: one refresh at a time

FUNNEL = "analytics_funnel_day"
SUMMARY_TABLES = (
    "analytics_sales_day",
    "analytics_sales_month",
    "analytics_orders_day",
    "analytics_promotion_day",
    "analytics_funnel_day",
    "analytics_customer",
    "analytics_customer_month",
    "analytics_acquisition_day",
    "analytics_cohort_cell",
    "analytics_esim_refund_day",
    "analytics_points_day",
)


@dataclass(frozen=True)
class RefreshOutcome:
    rebuilt: bool
    days: int  # sales days recomputed
    customers: int  # customers recomputed
    duration_ms: int


def refresh(*, now: datetime) -> RefreshOutcome:
    """Brings the summaries up to `now` by recomputing what changed (a rebuild the first
    time)."""
    return _run(now=now, rebuild=False)


def rebuild(*, now: datetime) -> RefreshOutcome:
    """Recomputes every summary from scratch, but the funnel's final days (older than
    FUNNEL_FINAL_AFTER: their unpaid checkouts may be gone; an empty funnel is built whole)."""
    return _run(now=now, rebuild=True)


def _run(*, now: datetime, rebuild: bool) -> RefreshOutcome:
    started = time.monotonic()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
        # Compiling queries (JIT) costs more than the short aggregates here ever save.
        cursor.execute("SET LOCAL jit = off")
        state, _ = RefreshState.objects.select_for_update().get_or_create(pk=1)
        rebuild = rebuild or state.watermark is None
        if rebuild:
            for table in SUMMARY_TABLES:  # not TRUNCATE: readers keep the old figures meanwhile
                if table != FUNNEL:
                    cursor.execute(f"DELETE FROM {table}")
            since = None
        else:
            assert state.watermark is not None  # noqa: S101
            since = state.watermark - LATE_COMMIT_MARGIN
        cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {FUNNEL})")
        funnel_from = now - FUNNEL_FINAL_AFTER if cursor.fetchone()[0] else None
        marked = scope.mark_changes(cursor, since=since, funnel_from=funnel_from)
        sales.recompute(cursor)
        customers.recompute(cursor)
        ledgers.recompute(cursor)
        scope.drop_temporary_tables(cursor)
        if rebuild:  # fresh statistics, or the pages are planned for the empty tables
            for table in SUMMARY_TABLES:
                cursor.execute(f"ANALYZE {table}")
        duration_ms = round((time.monotonic() - started) * 1000)
        state.watermark = state.refreshed_at = now
        if rebuild:
            state.rebuilt_at = now
        state.last_duration_ms, state.last_days = duration_ms, marked.sale_days
        state.save()
    return RefreshOutcome(rebuild, marked.sale_days, marked.customers, duration_ms)
