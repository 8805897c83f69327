"""What the points app holds about a customer, for their export and their erasure (plan 24.3):
the ledger and the expiry notices we emailed them. Registered with accounts.data_rights in
PointsConfig.ready().

The ledger is append-only for everything else; erasure is the one time its rows are deleted,
with the customer (plan 24.2: user_points_history goes with the user profile).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from accounts.data_rights import DataSection, scrub_audit_entries
from accounts.models import User
from points.models import Customer, PointsExpiryNotice, PointsTransaction

_LEDGER_FIELDS = (
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
_NOTICE_FIELDS = ("expires_on", "points", "status", "sent_at", "created_at")


def export_points_ledger(user: User) -> list[dict[str, Any]]:
    rows = PointsTransaction.objects.filter(user=user).order_by("created_at", "id")
    return [{name: getattr(row, name) for name in _LEDGER_FIELDS} for row in rows]


def export_expiry_notices(user: User) -> list[dict[str, Any]]:
    notices = PointsExpiryNotice.objects.filter(user=user).order_by("created_at", "id")
    return [{name: getattr(notice, name) for name in _NOTICE_FIELDS} for notice in notices]


def delete_points_data(user: User, now: datetime) -> dict[str, int]:
    # Staff adjustments are audited against the customer's console entry (titled with their
    # email) and the ledger rows (with the staff's note): the trail stays, the person goes.
    profile_ids = Customer.objects.filter(user=user).values_list("pk", flat=True)
    scrub_audit_entries(Customer, profile_ids, label=f"Erased customer {user.pk}")
    ledger_ids = PointsTransaction.objects.filter(user=user).values_list("pk", flat=True)
    scrub_audit_entries(PointsTransaction, ledger_ids)
    ledger, _ = PointsTransaction.objects.filter(user=user).delete()
    notices, _ = PointsExpiryNotice.objects.filter(user=user).delete()
    return {"points_ledger_rows_deleted": ledger, "points_expiry_notices_deleted": notices}


SECTIONS = (
    # "points_ledger" erases for both: a customer's points data goes in one step.
    DataSection("points_ledger", export=export_points_ledger, erase=delete_points_data),
    DataSection("points_expiry_notices", export=export_expiry_notices),
)
