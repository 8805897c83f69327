"""The "install it or lose it" warning (plan 11.9): 7 days before an unused eSIM's refund date,
its customer is told that it will be cancelled then unless installed, with the codes and the
QR code again. Once per eSIM: the email log allows one `expiry_warning` per profile."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import Exists, OuterRef, QuerySet

from orders.data_rights import ERASED_EMAIL
from orders.emails import EXPIRY_WARNING, queue_profile_email
from orders.models import EmailLog, EsimProfile
from refunds.selectors import STILL_UNUSED

logger = logging.getLogger(__name__)

WARN_DAYS_BEFORE = 7
BATCH_SIZE = 500


def profiles_due_a_warning(*, now: datetime) -> QuerySet[EsimProfile]:
    """Still-unused eSIMs cancelled within WARN_DAYS_BEFORE days (not already past: the job
    takes those), whose customer has not been warned and can still be written to."""
    warned = EmailLog.objects.filter(esim_profile=OuterRef("pk"), template_name=EXPIRY_WARNING)
    return (
        EsimProfile.objects.filter(
            STILL_UNUSED,
            refund_eligible_at__gt=now,
            refund_eligible_at__lte=now + timedelta(days=WARN_DAYS_BEFORE),
        )
        .exclude(order__customer_email=ERASED_EMAIL)
        .exclude(Exists(warned))
    )


def queue_expiry_warnings(*, now: datetime, batch_size: int = BATCH_SIZE) -> int:
    """Logs and queues the warnings due now, a batch per transaction (each batch's emails are
    queued when it commits). Safe to run twice, or twice at once: a profile is warned once.
    Returns how many profiles were warned."""
    due = profiles_due_a_warning(now=now).select_related("order").order_by("pk")
    warned = 0
    after: Any = None
    while True:
        batch = due.filter(pk__gt=after) if after is not None else due
        with transaction.atomic():
            profiles = list(batch[:batch_size])
            for profile in profiles:
                queue_profile_email(profile, EXPIRY_WARNING)
        warned += len(profiles)
        if len(profiles) < batch_size:
            break
        after = profiles[-1].pk
    if warned:
        logger.info("Queued %d eSIM expiry warning(s)", warned)
    return warned
