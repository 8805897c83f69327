"""The 90-day job's recoveries and the points ledger, summed per day for the marked days."""

from __future__ import annotations

from typing import Any

from analytics.refresh.scope import during

# How each ledger row moves the points: what the points block reports.
MOVEMENT = """CASE
    WHEN t.kind = 'earned' THEN 'issued'
    WHEN t.kind = 'spent' THEN 'spent'
    WHEN t.kind = 'expired' THEN 'expired'
    WHEN t.kind = 'reversed' AND t.points < 0 THEN 'clawed_back'
    WHEN t.kind = 'reversed' THEN 'returned'
    WHEN t.points >= 0 THEN 'adjusted_up'
    ELSE 'adjusted_down'
END"""


def recompute(cursor: Any) -> None:
    cursor.execute(
        "DELETE FROM analytics_esim_refund_day s USING dirty_refund_days d WHERE s.day = d.day"
    )
    recovered, params = during(cursor, "refund_days", "p.refunded_at")
    cursor.execute(
        f"""INSERT INTO analytics_esim_refund_day (day, profiles, recovered_cents)
            SELECT (p.refunded_at AT TIME ZONE 'UTC')::date, count(*),
                COALESCE(sum(p.refund_amount_cents), 0)
            FROM orders_esimprofile p
            WHERE p.refund_status = 'refunded' AND {recovered}
            GROUP BY 1""",
        params,
    )
    cursor.execute(
        "DELETE FROM analytics_points_day s USING dirty_points_days d WHERE s.day = d.day"
    )
    moved, params = during(cursor, "points_days", "t.created_at")
    cursor.execute(
        f"""INSERT INTO analytics_points_day (day, movement, points)
            SELECT (t.created_at AT TIME ZONE 'UTC')::date, {MOVEMENT}, sum(t.points)
            FROM points_pointstransaction t
            WHERE {moved}
            GROUP BY 1, 2""",
        params,
    )
