"""One run of the 90-day refund job (plan 11.6): daily at 00:00 UTC, from Admin, or by
`manage.py process_esim_refunds [--dry-run]`. It marks what became eligible, then claims and
settles batches until nothing is due, and keeps its figures in a RefundRun. The staff hear of
any run that refunded or failed something."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import DatabaseError
from django.utils import timezone

from orders.emails import alert_staff
from orders.models import EsimProfile
from refunds.models import RefundRun
from refunds.services import (
    Outcome,
    claim_batch,
    due_for_processing,
    mark_eligible,
    settle_claims,
    settling_pool,
    unused_past_deadline,
)

logger = logging.getLogger(__name__)

BATCH_SIZE = 100


@dataclass
class RunResult:
    run: RefundRun
    more_due: bool = False  # stopped at its time budget with eSIMs still due


def process_esim_refunds(
    *, now: datetime, trigger: str, dry_run: bool = False, budget_seconds: float | None = None
) -> RefundRun:
    """The run's results: processed, refunded, not refundable, failed, cost recovered."""
    return run_refund_job(
        now=now, trigger=trigger, dry_run=dry_run, budget_seconds=budget_seconds
    ).run


def run_refund_job(
    *, now: datetime, trigger: str, dry_run: bool = False, budget_seconds: float | None = None
) -> RunResult:
    """A run; with `budget_seconds`, it stops claiming when they are spent (the caller then
    starts another run for what is left: a backlog never outlives a worker's time limit)."""
    if dry_run:
        return RunResult(_plan(now=now, trigger=trigger))
    run = RefundRun.objects.create(trigger=trigger, started_at=now)
    result = RunResult(run)
    started = time.monotonic()
    try:
        run.marked_eligible = mark_eligible(now=now)
        # A run at the provider's 8 a second can last long: each batch is claimed and settled
        # at its own moment, so another run never mistakes this one's fresh claims for a
        # crashed run's (and refunds carry the time they happened).
        with settling_pool(settings.REFUND_JOB_WORKERS) as pool:
            while claims := claim_batch(now=(moment := max(now, timezone.now())), size=BATCH_SIZE):
                for settled in settle_claims(claims, now=moment, pool=pool):
                    _count(run, settled.outcome, settled.recovered_cents)
                run.save()  # the monitor sees a long run's progress
                if budget_seconds is not None and time.monotonic() - started > budget_seconds:
                    more = EsimProfile.objects.filter(due_for_processing(moment)).exists()
                    result.more_due = more
                    break
    except Exception as error:  # e.g. the database went away: say so, then let the task fail
        run.error = f"{type(error).__name__}: {error}"[:2000]
        raise
    finally:
        run.finished_at = max(now, timezone.now())
        try:
            run.save()
        except DatabaseError:  # keep the original error in view; the log has the figures
            logger.exception("Could not record the refund run's end")
        _report(run)
    return result


def _count(run: RefundRun, outcome: str, recovered_cents: int) -> None:
    if outcome == Outcome.SKIPPED:
        return
    run.processed += 1
    if outcome == Outcome.REFUNDED:
        run.refunded += 1
        run.recovered_cents += recovered_cents
    elif outcome == Outcome.NOT_REFUNDABLE:
        run.not_refundable += 1
    else:
        run.failed += 1


def _plan(*, now: datetime, trigger: str) -> RefundRun:
    """What a run would do now, changing nothing and asking the provider nothing: how many
    eSIMs it would mark eligible, and how many it would try to cancel."""
    would_mark = unused_past_deadline(now).count()
    due = EsimProfile.objects.filter(due_for_processing(now)).count()
    run = RefundRun(  # not saved: a dry run changes nothing
        trigger=trigger,
        dry_run=True,
        started_at=now,
        finished_at=now,
        marked_eligible=would_mark,
        processed=would_mark + due,
    )
    logger.info(
        "Refund job (dry run): would mark %d eSIM(s) eligible and process %d",
        would_mark,
        would_mark + due,
    )
    return run


def summary(run: RefundRun) -> str:
    return (
        f"processed {run.processed}, refunded {run.refunded} "
        f"(${run.recovered_cents / 100:,.2f} back), not refundable {run.not_refundable}, "
        f"failed {run.failed}"
    )


def _report(run: RefundRun) -> None:
    logger.info("Refund job: %s; %d newly eligible", summary(run), run.marked_eligible)
    if run.refunded or run.failed or run.error:
        alert_staff(
            subject=f"eSIM refunds: {run.refunded} refunded, {run.failed} failed",
            body=f"The 90-day refund job ({run.get_trigger_display()}): {summary(run)}.\n"
            + (f"It stopped early: {run.error}\n" if run.error else "")
            + "Failures and their errors: Admin, Refunds, Refund monitor.",
        )
