"""Applies the retention policy: each rule in batches of rows locked with SKIP LOCKED, one
short transaction per batch under a lock timeout, so checkouts and webhooks never wait for it
and a crash loses at most the batch it was in (rolled back; the next run does it). Rows in use
by another transaction are left to the next run. Each run is recorded (RetentionRun)."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timedelta
from typing import Any

from django.db import connection, transaction

from retention.models import RetentionRun
from retention.policy import APPLIED_RULES, Rule

logger = logging.getLogger(__name__)

BATCH_SIZE = 500
# Beyond SKIP LOCKED, deleting or anonymising touches related rows (cascades, email logs):
# a batch waits this long for one of them, then fails alone and the next run tries again.
LOCK_TIMEOUT = "2s"
# A safety net, never reached in a day's work (500 x 2,000 = a million rows per rule).
MAX_BATCHES_PER_RULE = 2_000


class TimeBudgetSpent(Exception):
    """The run has worked as long as it may: what is left waits for the next run."""


def apply_retention_policy(
    *,
    now: datetime,
    trigger: str,
    dry_run: bool = False,
    rules: tuple[Rule, ...] = APPLIED_RULES,
    batch_size: int = BATCH_SIZE,
    budget_seconds: float | None = None,
) -> RetentionRun:
    """Applies every rule as of `now` (or, dry, counts what each would touch and changes
    nothing). A rule that fails is recorded and the others still run; after `budget_seconds`
    no new batch starts (the rules not done say so) and the next run goes on. Answers the
    run."""
    started = time.monotonic()
    deadline = None if budget_seconds is None else started + budget_seconds
    run = RetentionRun.objects.create(trigger=trigger, dry_run=dry_run, started_at=now)
    for rule in rules:
        try:
            if dry_run:
                count = count_due(rule, now=now)
            else:
                count = _apply_rule(
                    rule, now=now, batch_size=batch_size, counts=run.counts, deadline=deadline
                )
        except Exception as error:
            logger.exception("Retention rule %s failed", rule.key)
            run.errors[rule.key] = f"{type(error).__name__}: {error}"[:1000]
        else:
            run.counts[rule.key] = count
        run.save(update_fields=["counts", "errors"])
    # `now` moved on by the time the work took: the clock is read once, at the start.
    run.finished_at = now + timedelta(seconds=time.monotonic() - started)
    run.save(update_fields=["finished_at"])
    logger.info(
        "Retention%s: %s%s",
        " (dry run)" if dry_run else "",
        ", ".join(f"{key} {count}" for key, count in run.counts.items()) or "nothing",
        f"; failed: {', '.join(run.errors)}" if run.errors else "",
    )
    return run


def count_due(rule: Rule, *, now: datetime) -> int:
    """How many rows the rule would handle now (locks nothing)."""
    return rule.due_rows(now).count()


def _apply_rule(
    rule: Rule, *, now: datetime, batch_size: int, counts: dict[str, Any], deadline: float | None
) -> int:
    done = counts[rule.key] = 0
    for _ in range(MAX_BATCHES_PER_RULE):
        if deadline is not None and time.monotonic() > deadline:
            raise TimeBudgetSpent("the run's time is up; the next run goes on")
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(f"SET LOCAL lock_timeout = '{LOCK_TIMEOUT}'")
            ids = list(
                rule.due_rows(now)
                .select_for_update(skip_locked=True, of=("self",))
                .order_by("pk")
                .values_list("pk", flat=True)[:batch_size]
            )
            if ids:
                done += rule.apply_to(ids, now)
        counts[rule.key] = done  # what committed so far, if a later batch fails
        if len(ids) < batch_size:
            break
    return done
