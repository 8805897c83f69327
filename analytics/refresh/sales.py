"""Sales, whole orders, promotions and the funnel, recomputed for the marked days.

Every line of an order is an event twice at most: sold on the day it was paid, taken back on
the day it was refunded (only an order that was paid can be; a paid order is never cancelled:
it is refunded). A day's row sums that day's events, so a refund lowers the day it happened
and never rewrites the day of the sale."""

from __future__ import annotations

from typing import Any

from analytics.refresh.scope import SOURCE, during

_LINE = f"""o.id AS order_id, o.currency_code AS currency, {SOURCE} AS source, i.package_id,
    i.price_schedule_id AS schedule_id, o.discount_code_id, i.quantity AS units,
    i.unit_price_cents::bigint * i.quantity AS gross,
    i.product_discount_cents::bigint * i.quantity AS product_discount,
    i.code_discount_cents AS code_discount, i.points_discount_cents AS points_discount,
    i.total_cents::bigint - i.code_discount_cents - i.points_discount_cents AS paid"""


def _line_events(paid: str, refunded: str) -> str:
    return f"""CREATE TEMP TABLE line_events ON COMMIT DROP AS
        SELECT (o.paid_at AT TIME ZONE 'UTC')::date AS day, TRUE AS sold, {_LINE}
        FROM orders_order o JOIN orders_orderitem i ON i.order_id = o.id
        WHERE {paid}
        UNION ALL
        SELECT (o.refunded_at AT TIME ZONE 'UTC')::date AS day, FALSE AS sold, {_LINE}
        FROM orders_order o JOIN orders_orderitem i ON i.order_id = o.id
        WHERE {refunded} AND o.paid_at IS NOT NULL"""


def _sums(*columns: str) -> str:
    return ", ".join(f"COALESCE(sum({column}) FILTER (WHERE sold), 0)" for column in columns)


_SOLD = f"""count(DISTINCT order_id) FILTER (WHERE sold),
    {_sums("units", "gross", "product_discount", "code_discount", "points_discount", "paid")}"""
_TAKEN_BACK = """count(DISTINCT order_id) FILTER (WHERE NOT sold),
    COALESCE(sum(units) FILTER (WHERE NOT sold), 0),
    COALESCE(sum(paid) FILTER (WHERE NOT sold), 0)"""
_SALE_MEASURES = """orders, units, gross_minor, product_discount_minor, code_discount_minor,
    points_discount_minor, revenue_minor, refunded_orders, refunded_units, refunded_minor"""

FROM_LINE_EVENTS = (
    "DELETE FROM analytics_sales_day s USING dirty_sale_days d WHERE s.day = d.day",
    f"""INSERT INTO analytics_sales_day (day, currency, package_id, source, {_SALE_MEASURES})
        SELECT day, currency, package_id, source, {_SOLD}, {_TAKEN_BACK}
        FROM line_events GROUP BY day, currency, package_id, source""",
    # Months are summed from their days: a month of days is a few thousand rows.
    """CREATE TEMP TABLE dirty_months ON COMMIT DROP AS
        SELECT DISTINCT date_trunc('month', day)::date AS month FROM dirty_sale_days""",
    "DELETE FROM analytics_sales_month s USING dirty_months m WHERE s.month = m.month",
    f"""INSERT INTO analytics_sales_month (month, currency, package_id, {_SALE_MEASURES})
        SELECT m.month, s.currency, s.package_id, sum(s.orders), sum(s.units),
            sum(s.gross_minor), sum(s.product_discount_minor), sum(s.code_discount_minor),
            sum(s.points_discount_minor), sum(s.revenue_minor), sum(s.refunded_orders),
            sum(s.refunded_units), sum(s.refunded_minor)
        FROM dirty_months m
        JOIN analytics_sales_day s
          ON s.day >= m.month AND s.day < (m.month + interval '1 month')::date
        GROUP BY m.month, s.currency, s.package_id""",
    "DELETE FROM analytics_orders_day s USING dirty_sale_days d WHERE s.day = d.day",
    f"""INSERT INTO analytics_orders_day (day, currency, source, orders, units, revenue_minor,
            discount_minor, refunded_orders, refunded_units, refunded_minor)
        SELECT day, currency, source, count(DISTINCT order_id) FILTER (WHERE sold),
            {_sums("units", "paid", "product_discount + code_discount + points_discount")},
            {_TAKEN_BACK}
        FROM line_events GROUP BY day, currency, source""",
    "DELETE FROM analytics_promotion_day s USING dirty_sale_days d WHERE s.day = d.day",
    """INSERT INTO analytics_promotion_day (day, currency, schedule_id, discount_code_id,
            orders, units, revenue_minor, product_discount_minor, code_discount_minor,
            refunded_units, refunded_minor)
        SELECT day, currency, schedule_id, discount_code_id,
            count(DISTINCT order_id) FILTER (WHERE sold),
            COALESCE(sum(units) FILTER (WHERE sold), 0),
            COALESCE(sum(paid) FILTER (WHERE sold), 0),
            COALESCE(sum(product_discount) FILTER (WHERE sold), 0),
            COALESCE(sum(code_discount) FILTER (WHERE sold), 0),
            COALESCE(sum(units) FILTER (WHERE NOT sold), 0),
            COALESCE(sum(paid) FILTER (WHERE NOT sold), 0)
        FROM line_events
        WHERE schedule_id IS NOT NULL OR discount_code_id IS NOT NULL
        GROUP BY day, currency, schedule_id, discount_code_id""",
)


def _funnel(created: str) -> str:
    """The funnel follows the checkouts created on a day, however long they took to move on."""
    return f"""INSERT INTO analytics_funnel_day (day, currency, source, checkouts, paid,
            delivered, installed)
        SELECT (o.created_at AT TIME ZONE 'UTC')::date, o.currency_code, {SOURCE}, count(*),
            count(*) FILTER (WHERE o.paid_at IS NOT NULL),
            count(*) FILTER (WHERE o.esim_status = 'delivered'),
            count(*) FILTER (WHERE EXISTS (
                SELECT 1 FROM orders_esimprofile p
                WHERE p.order_id = o.id
                  AND (p.installed_at IS NOT NULL OR p.enabled_at IS NOT NULL)))
        FROM orders_order o
        WHERE {created}
        GROUP BY 1, 2, 3"""


def recompute(cursor: Any) -> None:
    paid, paid_params = during(cursor, "sale_days", "o.paid_at")
    refunded, refunded_params = during(cursor, "sale_days", "o.refunded_at")
    cursor.execute(_line_events(paid, refunded), [*paid_params, *refunded_params])
    for statement in FROM_LINE_EVENTS:
        cursor.execute(statement)
    cursor.execute(
        "DELETE FROM analytics_funnel_day s USING dirty_funnel_days d WHERE s.day = d.day"
    )
    created, params = during(cursor, "funnel_days", "o.created_at")
    cursor.execute(_funnel(created), params)
