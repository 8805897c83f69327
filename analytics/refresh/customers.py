"""Customers, their months of purchase, acquisition by day and the cohort table, recomputed
for the marked customers.

A customer bought when an order of theirs was paid (a later refund does not unmake the
purchase: it is behaviour, not revenue). Their source is their first touch (accounts
.FirstTouch, by address), else the source of their first paid order, else "(direct)".
What a customer counted in before they are redone is compared with what they count in
after: the days and cohort cells that differ are summed again, so a customer who moves (a
guest whose orders joined an account) leaves their old sums, and one who merely bought again
touches only this month's."""

from __future__ import annotations

from typing import Any

from analytics.refresh.scope import SOURCE, add_days, during

_ORDER_FIELDS = f"o.id, o.paid_at, o.currency_code, {SOURCE} AS source"

_MONTHS_AFTER = """((EXTRACT(YEAR FROM d.month) * 12 + EXTRACT(MONTH FROM d.month))
    - (EXTRACT(YEAR FROM d.cohort) * 12 + EXTRACT(MONTH FROM d.cohort)))::int"""

# What a customer counts in, before and after they are redone: only what differs is summed
# again (a customer buying again this month changes this month's cell, not their old ones).
_COUNTED_IN = """SELECT c.key, c.first_paid_on, c.second_paid_on IS NOT NULL AS again,
        c.registered_on, c.first_currency, c.source
    FROM analytics_customer c JOIN dirty_customers k ON k.key = c.key"""
_CELLS = """SELECT m.key, m.cohort, m.currency, m.month
    FROM analytics_customer_month m JOIN dirty_customers k ON k.key = m.key"""

BEFORE = (
    f"CREATE TEMP TABLE old_customers ON COMMIT DROP AS {_COUNTED_IN}",
    f"CREATE TEMP TABLE old_cells ON COMMIT DROP AS {_CELLS}",
    "DELETE FROM analytics_customer c USING dirty_customers k WHERE c.key = k.key",
    "DELETE FROM analytics_customer_month c USING dirty_customers k WHERE c.key = k.key",
)

RECOMPUTE = (
    # Accounts by their id; guests by their address, orders placed without an account.
    f"""CREATE TEMP TABLE customer_orders ON COMMIT DROP AS
        SELECT k.key, {_ORDER_FIELDS}
        FROM dirty_customers k JOIN orders_order o ON o.user_id = k.user_id
        WHERE k.user_id IS NOT NULL AND o.paid_at IS NOT NULL
        UNION ALL
        SELECT k.key, {_ORDER_FIELDS}
        FROM dirty_customers k JOIN orders_order o ON o.customer_email = k.email
        WHERE k.user_id IS NULL AND o.user_id IS NULL AND o.paid_at IS NOT NULL""",
    """INSERT INTO analytics_customer (key, registered_on, first_paid_on, second_paid_on,
            first_currency, source, paid_orders)
        SELECT k.key, (u.date_joined AT TIME ZONE 'UTC')::date, f.first_paid_on,
            f.second_paid_on, COALESCE(f.first_currency, ''),
            COALESCE(NULLIF(t.utm_source, ''), NULLIF(t.referrer_host, ''), f.first_source,
                '(direct)'),
            COALESCE(f.paid_orders, 0)
        FROM dirty_customers k
        LEFT JOIN accounts_user u ON u.id = k.user_id AND NOT u.is_staff
        LEFT JOIN (
            SELECT key, count(*) AS paid_orders,
                (array_agg((paid_at AT TIME ZONE 'UTC')::date ORDER BY paid_at, id))[1]
                    AS first_paid_on,
                (array_agg((paid_at AT TIME ZONE 'UTC')::date ORDER BY paid_at, id))[2]
                    AS second_paid_on,
                (array_agg(currency_code ORDER BY paid_at, id))[1] AS first_currency,
                (array_agg(source ORDER BY paid_at, id))[1] AS first_source
            FROM customer_orders GROUP BY key
        ) f ON f.key = k.key
        LEFT JOIN accounts_firsttouch t ON t.email_hash = md5(COALESCE(u.email, k.email))
        WHERE u.id IS NOT NULL OR f.key IS NOT NULL""",
    """INSERT INTO analytics_customer_month (key, month, orders, cohort, currency)
        SELECT o.key, date_trunc('month', o.paid_at AT TIME ZONE 'UTC')::date, count(*),
            date_trunc('month', c.first_paid_on)::date, c.first_currency
        FROM customer_orders o JOIN analytics_customer c ON c.key = o.key
        GROUP BY 1, 2, 4, 5""",
    f"""INSERT INTO dirty_cells (cohort, currency, month)
        SELECT DISTINCT cohort, currency, month FROM (
            (SELECT * FROM old_cells EXCEPT {_CELLS})
            UNION ALL
            ({_CELLS} EXCEPT SELECT * FROM old_cells)
        ) AS moved
        ON CONFLICT DO NOTHING""",
    f"""CREATE TEMP TABLE moved_customers ON COMMIT DROP AS
        (SELECT * FROM old_customers EXCEPT {_COUNTED_IN})
        UNION ALL
        ({_COUNTED_IN} EXCEPT SELECT * FROM old_customers)""",
)

AFTER = (
    f"""DELETE FROM analytics_cohort_cell c USING dirty_cells d
        WHERE c.cohort = d.cohort AND c.currency = d.currency
          AND c.months_after = {_MONTHS_AFTER}""",
    f"""INSERT INTO analytics_cohort_cell (cohort, currency, months_after, customers)
        SELECT d.cohort, d.currency, {_MONTHS_AFTER}, count(*)
        FROM dirty_cells d
        JOIN analytics_customer_month m
          ON m.cohort = d.cohort AND m.currency = d.currency AND m.month = d.month
        GROUP BY 1, 2, 3""",
)


def _acquisition(first_paid: str, registered: str) -> str:
    return f"""INSERT INTO analytics_acquisition_day (day, currency, source, new_customers,
            repeat_customers, sign_ups, converted_sign_ups)
        SELECT day, currency, source, sum(new), sum(again), sum(signed_up), sum(converted)
        FROM (
            SELECT c.first_paid_on AS day, c.first_currency AS currency, c.source, 1 AS new,
                (c.second_paid_on IS NOT NULL)::int AS again, 0 AS signed_up, 0 AS converted
            FROM analytics_customer c WHERE {first_paid}
            UNION ALL
            SELECT c.registered_on, c.first_currency, c.source, 0, 0, 1,
                (c.first_paid_on IS NOT NULL)::int
            FROM analytics_customer c WHERE {registered}
        ) AS counted
        GROUP BY day, currency, source"""


def recompute(cursor: Any) -> None:
    for statement in (*BEFORE, *RECOMPUTE):
        cursor.execute(statement)
    for column in ("first_paid_on", "registered_on"):
        add_days(cursor, "acquisition_days", f"SELECT {column} FROM moved_customers")
    cursor.execute(
        "DELETE FROM analytics_acquisition_day a USING dirty_acquisition_days d WHERE a.day = d.day"
    )
    first_paid, first_params = during(cursor, "acquisition_days", "c.first_paid_on", dates=True)
    registered, signed_params = during(cursor, "acquisition_days", "c.registered_on", dates=True)
    cursor.execute(_acquisition(first_paid, registered), [*first_params, *signed_params])
    cursor.execute("ANALYZE dirty_cells")
    for statement in AFTER:
        cursor.execute(statement)
