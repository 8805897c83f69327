"""What the points ledger holds about a customer, for their export (plan 24.3): registered
with accounts.data_rights in PointsConfig.ready()."""

from __future__ import annotations

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


SECTIONS = (DataSection("points_ledger", export=export_points_ledger),)
