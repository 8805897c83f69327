"""The "your points expire soon" email: once a day, each customer with unused points expiring
within NOTICE_WINDOW is told how many expire on which day, once per customer and day (the
PointsExpiryNotice row, unique per user and day, is written in the transaction that queues the
email). Customers who turned emails off are not written to. The email goes after the commit,
from a worker, and says what is still unused when it is sent (nothing: it is not sent)."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, Q, Sum
from django.db.models.functions import TruncDate

from hiroam.mail import templated_email
from points.models import PointsExpiryNotice, PointsTransaction

logger = logging.getLogger(__name__)

NOTICE_WINDOW = timedelta(days=30)
TEMPLATE = "points_expiry_notice"
Status = PointsExpiryNotice.Status

STUCK_AFTER = timedelta(minutes=10)  # queued, but its queue message was lost
CLAIM_EXPIRES = timedelta(minutes=10)  # a worker took it and died
GIVE_UP_AFTER_FAILURES = 10


@dataclass(frozen=True)
class ExpiringSoon:
    user_id: Any
    expires_on: date
    points: int


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=UTC)


def points_expiring_soon(*, now: datetime) -> Iterator[ExpiringSoon]:
    """(customer, day, points) for unused points expiring within the window and not noticed
    yet, for active customers who take emails. Whole days only: points expiring late on the
    window's last day are counted with those expiring early that day, so one notice covers
    the day."""
    until = _day_start((now + NOTICE_WINDOW).date() + timedelta(days=1))
    noticed = PointsExpiryNotice.objects.filter(
        user_id=OuterRef("user_id"), expires_on=OuterRef("expires_on")
    )
    rows = (
        PointsTransaction.objects.filter(
            unused__gt=0,
            expires_at__gt=now,
            expires_at__lt=until,
            user__is_active=True,
            user__profile__email_notifications=True,
        )
        .annotate(expires_on=TruncDate("expires_at", tzinfo=UTC))
        .filter(~Exists(noticed))
        .values("user_id", "expires_on")
        .annotate(points=Sum("unused"))
        .order_by("user_id", "expires_on")
    )
    for row in rows.iterator(chunk_size=500):
        yield ExpiringSoon(row["user_id"], row["expires_on"], row["points"])


def queue_expiry_notices(*, now: datetime) -> int:
    """Writes and queues the notices due today. Returns how many were queued."""
    queued = 0
    for soon in list(points_expiring_soon(now=now)):
        with transaction.atomic():
            notice, created = PointsExpiryNotice.objects.get_or_create(
                user_id=soon.user_id,
                expires_on=soon.expires_on,
                defaults={"points": soon.points, "created_at": now},
            )
            if created:  # a concurrent run that wrote it first queues it itself
                transaction.on_commit(partial(_queue, notice.pk))
                queued += 1
    if queued:
        logger.info("Queued %d points expiry notice(s)", queued)
    return queued


def unsent_notices(*, now: datetime) -> list[Any]:
    """Notices that should have gone: queued a while ago (a lost queue message), failed
    (retried until GIVE_UP_AFTER_FAILURES), or taken by a worker that died while sending."""
    return list(
        PointsExpiryNotice.objects.filter(
            Q(status=Status.QUEUED, created_at__lt=now - STUCK_AFTER)
            | Q(
                status=Status.FAILED,
                claimed_at__lt=now - CLAIM_EXPIRES,
                retry_count__lt=GIVE_UP_AFTER_FAILURES,
            )
            | Q(status=Status.SENDING, claimed_at__lt=now - CLAIM_EXPIRES)
        )
        .order_by("created_at")
        .values_list("pk", flat=True)[:1000]
    )


def requeue_unsent_notices(*, now: datetime) -> int:
    pks = unsent_notices(now=now)
    for pk in pks:
        _queue(pk)
    return len(pks)


def _queue(notice_id: Any) -> None:
    from points.tasks import send_expiry_notice  # the task module imports this one

    try:
        send_expiry_notice.delay(notice_id)
    except Exception:  # the broker is down: the next daily run finds it queued and sends it
        logger.exception("Could not queue points expiry notice %s", notice_id)


def send_expiry_notice(notice_id: Any, *, now: datetime) -> bool:
    """Sends one notice; False if it went already (or another worker has it), or if nothing
    is left to tell (the points were spent, the customer turned emails off). A failure is
    recorded on the notice and raised, for the task to retry."""
    claimable = Q(status__in=(Status.QUEUED, Status.FAILED)) | Q(
        status=Status.SENDING, claimed_at__lt=now - CLAIM_EXPIRES
    )
    claimed = PointsExpiryNotice.objects.filter(claimable, pk=notice_id).update(
        status=Status.SENDING, claimed_at=now
    )
    if not claimed:
        return False
    notice = PointsExpiryNotice.objects.select_related("user__profile").get(pk=notice_id)
    user = notice.user
    points = _still_expiring(notice, now)
    if not (user.is_active and user.profile.email_notifications and points > 0):
        _mark(notice, status=Status.SKIPPED, points=points)
        return False
    message = templated_email(
        f"{points:,} HIROAM points expire on {_day_text(notice.expires_on)}",
        TEMPLATE,
        _context(notice, points),
        [user.email],
    )
    try:
        message.send()
    except Exception as error:
        PointsExpiryNotice.objects.filter(pk=notice.pk).update(
            status=Status.FAILED,
            error_message=f"{type(error).__name__}: {error}"[:2000],
            retry_count=F("retry_count") + 1,
        )
        raise
    _mark(notice, status=Status.SENT, points=points, sent_at=now)
    return True


def _context(notice: PointsExpiryNotice, points: int) -> dict[str, Any]:
    per_dollar = settings.POINTS_REDEMPTION_POINTS_PER_DOLLAR
    worth_cents = points * 100 // per_dollar  # floored, as checkout values them
    share_bps = settings.POINTS_REDEMPTION_MAX_SHARE_BPS
    return {
        "name": notice.user.full_name,
        "points": f"{points:,}",
        "day": _day_text(notice.expires_on),
        "balance": f"{notice.user.profile.points_balance:,}",
        "worth": f"${worth_cents // 100:,}.{worth_cents % 100:02d}",
        "points_per_dollar": per_dollar,
        "max_share": f"{share_bps // 100}.{share_bps % 100:02d}".rstrip("0").rstrip(".") + "%",
        "shop_url": settings.APP_URL,
    }


def _day_text(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _still_expiring(notice: PointsExpiryNotice, now: datetime) -> int:
    """The notice's day's points still unused now (spent ones are not announced)."""
    day_start = _day_start(notice.expires_on)
    total = PointsTransaction.objects.filter(
        user_id=notice.user_id,
        unused__gt=0,
        expires_at__gte=max(day_start, now),
        expires_at__lt=day_start + timedelta(days=1),
    ).aggregate(points=Sum("unused"))["points"]
    return int(total or 0)


def _mark(notice: PointsExpiryNotice, **fields: Any) -> None:
    PointsExpiryNotice.objects.filter(pk=notice.pk).update(error_message="", **fields)
