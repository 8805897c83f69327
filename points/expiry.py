"""Points expire (plan section 6.1, `cron-expire-points`): every day, each customer with unused
points past their expiry loses them through `services.expire_due`, one customer per short
transaction. A customer that fails (their profile locked too long by a checkout, say) is logged
and left for the next run; the others go on. Running twice expires nothing more: expired points
are no longer unused."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import Min, Sum

from points import services
from points.models import PointsTransaction

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# A checkout holds a profile's lock for milliseconds; waiting longer than this means something
# is stuck, and the job should not be stuck with it.
LOCK_TIMEOUT_MS = 5_000


@dataclass
class ExpiryRun:
    customers: int = 0  # customers who lost points
    points: int = 0
    failed: list[str] = field(default_factory=list)  # their user ids, for the log


@dataclass(frozen=True)
class DuePoints:
    user_id: Any
    email: str
    points: int
    due_since: datetime


def _due_rows(now: datetime) -> Any:
    # `unused > 0` is the condition of the ledger's partial index (user, expires_at): the job
    # reads only the small part of the ledger that can still expire.
    return PointsTransaction.objects.filter(unused__gt=0, expires_at__lte=now)


def customers_with_points_due(*, now: datetime, batch_size: int = BATCH_SIZE) -> Iterator[Any]:
    """The user ids of customers with unused points past their expiry, in pages by id (so a
    long run never holds a cursor, and customers handled meanwhile are not read twice)."""
    after = None
    while True:
        rows = _due_rows(now)
        if after is not None:
            rows = rows.filter(user_id__gt=after)
        page = list(
            rows.order_by("user_id").values_list("user_id", flat=True).distinct()[:batch_size]
        )
        yield from page
        if len(page) < batch_size:
            return
        after = page[-1]


def expire_due_points(*, now: datetime, lock_timeout_ms: int = LOCK_TIMEOUT_MS) -> ExpiryRun:
    """Expires every customer's points due by `now`. Returns what it did."""
    run = ExpiryRun()
    for user_id in customers_with_points_due(now=now):
        try:
            expired = _expire_for(user_id, now=now, lock_timeout_ms=lock_timeout_ms)
        except Exception:
            logger.exception("Could not expire the points of customer %s", user_id)
            run.failed.append(str(user_id))
            continue
        if expired:
            run.customers += 1
            run.points += expired
    logger.info(
        "Points expiry: %d points of %d customer(s) expired, %d customer(s) failed",
        run.points,
        run.customers,
        len(run.failed),
    )
    return run


def _expire_for(user_id: Any, *, now: datetime, lock_timeout_ms: int) -> int:
    with transaction.atomic():
        with connection.cursor() as cursor:  # for this transaction only
            cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{lock_timeout_ms}ms"])
        return services.expire_due(user_id=user_id, now=now)


def points_due(*, now: datetime) -> list[DuePoints]:
    """Who would lose how many points if the job ran at `now` (for a dry run; changes
    nothing). As in `services.expire_due`, points held by unpaid orders stay."""
    rows = (
        _due_rows(now)
        .values(
            "user_id",
            "user__email",
            "user__profile__points_balance",
            "user__profile__points_reserved",
        )
        .annotate(due=Sum("unused"), due_since=Min("expires_at"))
        .order_by("user__email")
    )
    report = []
    for row in rows:
        available = row["user__profile__points_balance"] - row["user__profile__points_reserved"]
        points = min(row["due"], available)
        if points > 0:
            report.append(DuePoints(row["user_id"], row["user__email"], points, row["due_since"]))
    return report
