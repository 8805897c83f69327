"""What the points ledger holds about a customer, for their export and their erasure (plan
24.3): registered with accounts.data_rights in PointsConfig.ready().

The ledger is append-only for everything else; erasure is the one time its rows are deleted,
with the customer (plan 24.2: user_points_history goes with the user profile).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.data_rights import DataSection
from accounts.models import User
from points.models import PointsTransaction

_FIELDS = (
    "kind",
    "points",
    "balance_after",
    "order_id",
    "reason",
    "note",
    "unused",
    "expires_at",
    "shortfall",
    "created_at",
)


def export_points_ledger(user: User) -> list[dict[str, Any]]:
    rows = PointsTransaction.objects.filter(user=user).order_by("created_at", "id")
    return [{name: getattr(row, name) for name in _FIELDS} for row in rows]


def delete_points_ledger(user: User, now: datetime) -> dict[str, int]:
    deleted, _ = PointsTransaction.objects.filter(user=user).delete()
    return {"points_ledger_rows_deleted": deleted}


SECTIONS = (DataSection("points_ledger", export=export_points_ledger, erase=delete_points_ledger),)
