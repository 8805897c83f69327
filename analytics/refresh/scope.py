"""What a refresh recomputes: temporary tables (dropped at commit) of the days and customers
that source rows changed since the watermark touch. With no watermark, everything.

Days are UTC dates, kept with their bounds so the source tables are read by range on their
timestamp indexes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from orders.data_rights import ERASED_EMAIL

# An order's sale is written once, when it is paid (its lines, amounts, currency and source
# never change after), its refund once; an eSIM's install once. So a change marks the days of
# those events only if they happened lately: an event reported late still counts within this.
REPORTED_WITHIN = timedelta(days=2)

# Where an order came from, as every summary names it.
SOURCE = "COALESCE(NULLIF(o.utm_source, ''), NULLIF(o.referrer_host, ''), '(direct)')"

_DAY_TABLES = ("sale_days", "funnel_days", "refund_days", "points_days", "acquisition_days")
# Every temporary table a run makes (here and in the recompute steps).
TEMP_TABLES = (
    *(f"dirty_{name}" for name in (*_DAY_TABLES, "customers", "cells")),
    "dirty_months",
    "line_events",
    "customer_orders",
    "old_customers",
    "old_cells",
    "moved_customers",
)


@dataclass(frozen=True)
class Marked:
    sale_days: int
    customers: int


def mark_changes(cursor: Any, *, since: datetime | None, funnel_from: datetime | None) -> Marked:
    """`funnel_from`: the first moment whose checkouts may still be counted again (older
    days of the funnel are final); None for every day."""
    drop_temporary_tables(cursor)
    for name in _DAY_TABLES:
        cursor.execute(
            f"CREATE TEMP TABLE dirty_{name} (day date PRIMARY KEY, day_start timestamptz,"
            " day_end timestamptz) ON COMMIT DROP"
        )
    cursor.execute(
        "CREATE TEMP TABLE dirty_customers (key varchar(64) PRIMARY KEY, user_id uuid,"
        " email varchar(254)) ON COMMIT DROP"
    )
    cursor.execute(
        "CREATE TEMP TABLE dirty_cells (cohort date, currency varchar(3), month date,"
        " PRIMARY KEY (cohort, currency, month)) ON COMMIT DROP"
    )
    changed = "TRUE" if since is None else "{column} >= %(since)s"
    params = {
        "since": since,
        "erased": ERASED_EMAIL,
        "funnel_from": funnel_from,
        "lately": since - REPORTED_WITHIN if since else None,
    }
    funnel_open = "TRUE" if funnel_from is None else "o.created_at >= %(funnel_from)s"
    # An eSIM changes the funnel when it is installed; its usage reports (every few hours for
    # every eSIM in use) do not.
    lately = "TRUE" if since is None else "{column} >= %(lately)s"
    installed = (
        f"({lately.format(column='p.installed_at')} OR {lately.format(column='p.enabled_at')})"
    )
    moved_on = " OR ".join(
        lately.format(column=f"o.{column}") for column in ("created_at", "paid_at", "completed_at")
    )
    _mark_days(
        cursor,
        "sale_days",
        f"""SELECT paid_at FROM orders_order
            WHERE paid_at IS NOT NULL AND {changed.format(column="updated_at")}
              AND {lately.format(column="paid_at")}
            UNION ALL
            SELECT refunded_at FROM orders_order
            WHERE paid_at IS NOT NULL AND refunded_at IS NOT NULL
              AND {changed.format(column="updated_at")}
              AND {lately.format(column="refunded_at")}""",
        params,
    )
    _mark_days(
        cursor,
        "funnel_days",
        f"""SELECT o.created_at FROM orders_order o
            WHERE {changed.format(column="o.updated_at")} AND {funnel_open} AND ({moved_on})
            UNION ALL
            SELECT o.created_at FROM orders_esimprofile p JOIN orders_order o ON o.id = p.order_id
            WHERE {changed.format(column="p.updated_at")} AND {funnel_open} AND {installed}""",
        params,
    )
    _mark_days(
        cursor,
        "refund_days",
        f"""SELECT refunded_at FROM orders_esimprofile
            WHERE refunded_at IS NOT NULL AND {changed.format(column="updated_at")}""",
        params,
    )
    _mark_days(
        cursor,
        "points_days",
        f"SELECT created_at FROM points_pointstransaction"
        f" WHERE {changed.format(column='created_at')}",
        params,
    )
    # A customer is an account, or a guest's address (an MD5 of it) until the address is
    # verified and its orders join the account: both records of a changed order are redone.
    # Addresses erased (on request, or by the retention policy) are nobody's any more.
    cursor.execute(
        f"""INSERT INTO dirty_customers (key, user_id, email)
            SELECT o.user_id::text, o.user_id, NULL FROM orders_order o
            WHERE o.user_id IS NOT NULL AND {changed.format(column="o.updated_at")}
            UNION
            SELECT md5(o.customer_email), NULL, o.customer_email FROM orders_order o
            WHERE o.customer_email <> %(erased)s AND {changed.format(column="o.updated_at")}
            UNION
            SELECT u.id::text, u.id, NULL FROM accounts_user u
            WHERE NOT u.is_staff AND {changed.format(column="u.date_joined")}
            ON CONFLICT DO NOTHING""",
        params,
    )
    customers = cursor.rowcount
    for name in (*_DAY_TABLES, "customers"):
        cursor.execute(f"ANALYZE dirty_{name}")
    cursor.execute("SELECT count(*) FROM dirty_sale_days")
    return Marked(sale_days=cursor.fetchone()[0], customers=customers)


def drop_temporary_tables(cursor: Any) -> None:
    """They go at commit; dropped by hand too, for a run inside an outer transaction."""
    cursor.execute(f"DROP TABLE IF EXISTS {', '.join(TEMP_TABLES)}")


def _mark_days(cursor: Any, table: str, moments_sql: str, params: dict[str, Any]) -> None:
    cursor.execute(
        f"""INSERT INTO dirty_{table} (day, day_start, day_end)
            SELECT day, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC'
            FROM (SELECT DISTINCT (moment AT TIME ZONE 'UTC')::date AS day
                  FROM ({moments_sql}) AS changed (moment)) AS days
            ON CONFLICT DO NOTHING""",
        params,
    )


def during(cursor: Any, table: str, column: str, *, dates: bool = False) -> tuple[str, list[Any]]:
    """A condition on `column` (a timestamp, or a date with `dates`) true exactly on the days
    marked in dirty_<table>, as ranges of consecutive days with their bounds as values: the
    planner then reads each range by index with real estimates (joining the marked days
    instead, it cannot tell how many rows a day holds, and reads whole tables)."""
    cursor.execute(f"SELECT day FROM dirty_{table} ORDER BY day")
    runs: list[list[date]] = []
    for (day,) in cursor.fetchall():
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    if not runs:
        return "FALSE", []
    if dates:
        clause = f"{column} BETWEEN %s AND %s"
        params = [bound for first, last in runs for bound in (first, last)]
    else:
        clause = f"({column} >= %s AND {column} < %s)"
        params = [
            moment
            for first, last in runs
            for moment in (_midnight(first), _midnight(last + timedelta(days=1)))
        ]
    return "(" + " OR ".join([clause] * len(runs)) + ")", params


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def add_days(cursor: Any, table: str, days_sql: str) -> None:
    """Marks more days (a query answering dates) in dirty_<table>."""
    cursor.execute(
        f"""INSERT INTO dirty_{table} (day, day_start, day_end)
            SELECT day, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC'
            FROM (SELECT DISTINCT d FROM ({days_sql}) AS more (d) WHERE d IS NOT NULL) AS days (day)
            ON CONFLICT DO NOTHING"""
    )
