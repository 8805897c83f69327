"""The 90-day job's recoveries and the points ledger, summed per day for the marked days."""

from __future__ import annotations

from typing import Any

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

STATEMENTS = (
    "DELETE FROM analytics_esim_refund_day s USING dirty_refund_days d WHERE s.day = d.day",
    """INSERT INTO analytics_esim_refund_day (day, profiles, recovered_cents)
        SELECT d.day, count(*), COALESCE(sum(p.refund_amount_cents), 0)
        FROM dirty_refund_days d
        JOIN orders_esimprofile p
          ON p.refunded_at >= d.day_start AND p.refunded_at < d.day_end
        WHERE p.refund_status = 'refunded'
        GROUP BY d.day""",
    "DELETE FROM analytics_points_day s USING dirty_points_days d WHERE s.day = d.day",
    f"""INSERT INTO analytics_points_day (day, movement, points)
        SELECT d.day, {MOVEMENT}, sum(t.points)
        FROM dirty_points_days d
        JOIN points_pointstransaction t
          ON t.created_at >= d.day_start AND t.created_at < d.day_end
        GROUP BY 1, 2""",
)


def recompute(cursor: Any) -> None:
    for statement in STATEMENTS:
        cursor.execute(statement)
