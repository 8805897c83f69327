"""Recovering the cost of eSIMs nobody installed (plan section 11): an eSIM still `GOT_RESOURCE`
+ `RELEASED` 90 days after delivery is cancelled at eSIM Access, which returns its cost to our
balance.

Each eSIM goes through the refund machine (orders.states.REFUND):

1. `mark_eligible`: one set-based update makes due, still unused eSIMs `eligible`.
2. `claim_batch`: a run claims a batch with `SELECT ... FOR UPDATE SKIP LOCKED` and moves it to
   `processing`, committed before the provider is called — so two runs (or workers) never
   handle the same eSIM, and a crash leaves `processing` rows that a later run claims again.
3. `settle_claims`: the provider's view of each claimed eSIM is read first (a customer may have
   installed it minutes ago; a crashed run may have cancelled it already) — never a blind
   cancel. Cancellable → `esim/cancel`; cancelled already → `refunded`; anything else →
   `not_refundable`; a provider failure → `failed`, retried by later runs with backoff, then
   left for a human. Each outcome is written only if the claim is still this run's.

The provider's rate limit is kept by its client (shared across every process).
"""

from __future__ import annotations

import logging
import threading
from collections import defaultdict
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ThreadPoolExecutor
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import DatabaseError, close_old_connections, connections, transaction
from django.db.models import F, Q, QuerySet

from accounts.models import User
from hiroam.api.errors import BusinessRuleError
from hiroam.integrations.errors import ProviderError
from hiroam.integrations.esim_access import esim_access_client
from hiroam.integrations.esim_access.errors import OperationNotAllowed
from hiroam.integrations.esim_access.results import EsimProfile as ProviderEsim
from hiroam.integrations.units import balance_cents_from_provider_units
from orders.emails import ESIM_REFUNDED, queue_profile_email
from orders.models import EsimProfile, OrderItem, ProfileStatus, RefundStatus, SmdpStatus
from orders.states import REFUND, advance
from points.rules import points_for_paid_cents
from points.services import reverse_for_esim

logger = logging.getLogger(__name__)

CANCELLABLE_AT_PROVIDER = ("GOT_RESOURCE", "RELEASED")
CANCELLED_AT_PROVIDER = "CANCEL"
# A claim older than this was left by a crashed run (a batch takes seconds to settle).
STALE_CLAIM = timedelta(minutes=30)
# After a provider failure: retried on later runs, waiting longer each time, then left for a
# human (Admin: Refund monitor, failures).
RETRY_AFTER = (timedelta(hours=12), timedelta(days=1), timedelta(days=2), timedelta(days=4))
MAX_ATTEMPTS = len(RETRY_AFTER) + 1


class Outcome:
    REFUNDED = "refunded"
    NOT_REFUNDABLE = "not_refundable"
    FAILED = "failed"
    SKIPPED = "skipped"  # the claim was no longer ours (another run or an event settled it)


@dataclass(frozen=True)
class Claim:
    profile_id: Any
    esim_tran_no: str
    esim_order_no: str
    claimed_at: datetime


@dataclass(frozen=True)
class Settled:
    outcome: str
    recovered_cents: int = 0


# ---------------------------------------------------------------------------- who is due


def mark_eligible(*, now: datetime) -> int:
    """Unused eSIMs past their 90 days become eligible, in one update."""
    marked: int = unused_past_deadline(now).update(
        refund_status=RefundStatus.ELIGIBLE, updated_at=now
    )
    return marked


def unused_past_deadline(now: datetime) -> QuerySet[EsimProfile]:
    return EsimProfile.objects.filter(
        refund_status=RefundStatus.NOT_ELIGIBLE,
        esim_status=ProfileStatus.GOT_RESOURCE,
        smdp_status=SmdpStatus.RELEASED,
        refund_eligible_at__lte=now,
    )


def due_for_processing(now: datetime) -> Q:
    """Eligible; failed and due to be tried again; or left `processing` by a crashed run."""
    return (
        Q(refund_status=RefundStatus.ELIGIBLE)
        | Q(refund_status=RefundStatus.FAILED, refund_retry_at__lte=now)
        | Q(refund_status=RefundStatus.PROCESSING, refund_claimed_at__lt=now - STALE_CLAIM)
    )


def claim_batch(*, now: datetime, size: int) -> list[Claim]:
    """Up to `size` due eSIMs, moved to `processing` and committed; rows another run holds
    are skipped, never waited for."""
    with transaction.atomic():
        rows = list(
            EsimProfile.objects.select_for_update(skip_locked=True)
            .filter(due_for_processing(now))
            # Oldest first, a provider order's eSIMs side by side (one query asks about them
            # all): the order of the index `profile_refund_claims`, so a claim reads its batch
            # instead of sorting every due eSIM.
            .order_by("refund_eligible_at", "esim_order_no", "pk")
            .values_list("pk", "esim_tran_no", "esim_order_no")[:size]
        )
        EsimProfile.objects.filter(pk__in=[row[0] for row in rows]).update(
            refund_status=RefundStatus.PROCESSING, refund_claimed_at=now, updated_at=now
        )
    return [Claim(pk, tran_no, order_no, now) for pk, tran_no, order_no in rows]


# ---------------------------------------------------------------------------- settling


def settle_claims(
    claims: Sequence[Claim], *, now: datetime, pool: Executor | None = None
) -> list[Settled]:
    """Asks the provider about each claimed eSIM (one query per provider order) and settles
    it. With a `pool` (settling_pool), its threads handle provider orders at once (the rate
    limit still holds)."""
    by_order: dict[str, list[Claim]] = defaultdict(list)
    for claim in claims:
        by_order[claim.esim_order_no or f"esim:{claim.esim_tran_no}"].append(claim)
    groups = list(by_order.values())
    if pool is None or len(groups) <= 1:
        return [settled for group in groups for settled in _settle_group(group, now)]
    results = pool.map(lambda group: _in_thread(_settle_group, group, now), groups)
    return [settled for group_result in results for settled in group_result]


@contextmanager
def settling_pool(workers: int) -> Iterator[Executor | None]:
    """`workers` threads for a whole run (None for one: the caller's thread settles). Each
    thread keeps its own database connection from batch to batch, instead of a new pool, new
    threads and new connections for every batch."""
    if workers <= 1:
        yield None
        return
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="refund-settle") as pool:
        try:
            yield pool
        finally:
            _close_connections(pool, workers)


def _close_connections(pool: Executor, workers: int) -> None:
    """Each thread closes its own database connection (a finished thread's would stay open
    until the garbage collector came by): one task per thread, held at a barrier so that no
    thread takes two."""
    barrier = threading.Barrier(workers)

    def close() -> None:
        with suppress(threading.BrokenBarrierError):  # a thread still busy: close this one anyway
            barrier.wait(timeout=60)
        connections.close_all()

    for closed in [pool.submit(close) for _ in range(workers)]:
        closed.result()


def _in_thread(work: Any, *args: Any) -> Any:
    try:
        return work(*args)
    finally:
        # Drops the thread's connection if it broke or outlived CONN_MAX_AGE; the pool closes
        # the others when the run ends.
        close_old_connections()


def _settle_group(claims: list[Claim], now: datetime) -> list[Settled]:
    try:
        seen = _provider_view(claims)
    except ProviderError as error:  # cannot check: never cancel blind
        return [
            _record_failure(claim, f"Could not ask eSIM Access: {error}", now) for claim in claims
        ]
    return [_settle_safely(claim, seen.get(claim.esim_tran_no), now) for claim in claims]


def _settle_safely(claim: Claim, seen: ProviderEsim | None, now: datetime) -> Settled:
    """One eSIM's trouble (a bad answer, a bug) is its own: it fails with the error and
    counts an attempt, and the run goes on — never a row that stops every run."""
    try:
        return _settle(claim, seen, now)
    except DatabaseError:
        raise  # the database itself: nothing can be recorded, the run stops
    except Exception as error:
        logger.exception("Refund of eSIM %s went wrong", claim.esim_tran_no)
        return _record_failure(claim, f"{type(error).__name__}: {error}", now)


def _provider_view(claims: list[Claim]) -> dict[str, ProviderEsim]:
    client = esim_access_client()
    order_no = claims[0].esim_order_no
    if order_no and len(claims) > 1:
        found = client.query_profiles(order_no=order_no)
    else:
        found = [
            esim
            for claim in claims
            for esim in client.query_profiles(esim_tran_no=claim.esim_tran_no)
        ]
    return {esim.esim_tran_no: esim for esim in found}


def _settle(claim: Claim, seen: ProviderEsim | None, now: datetime) -> Settled:
    if seen is None:
        return _record_failure(claim, "eSIM Access does not know this eSIM.", now)
    state = (seen.esim_status.upper(), seen.smdp_status.upper())
    if state[0] == CANCELLED_AT_PROVIDER:  # a cancel that went through before a crash
        return _record_refund(claim, now)
    if state != CANCELLABLE_AT_PROVIDER:
        return _record_not_refundable(claim, f"At eSIM Access: {state[0]} / {state[1]}.", now)
    try:
        esim_access_client().cancel_profile(esim_tran_no=claim.esim_tran_no)
    except OperationNotAllowed:
        # Installed between our check and the cancel, or cancelled meanwhile: look again.
        return _settle_after_refusal(claim, now)
    except ProviderError as error:
        return _record_failure(claim, f"Cancel failed: {error}", now)
    return _record_refund(claim, now, cancelled_by_us=True)


def _settle_after_refusal(claim: Claim, now: datetime) -> Settled:
    try:
        seen = esim_access_client().query_profiles(esim_tran_no=claim.esim_tran_no)
    except ProviderError as error:
        return _record_failure(claim, f"Cancel refused, then: {error}", now)
    if any(esim.esim_status.upper() == CANCELLED_AT_PROVIDER for esim in seen):
        return _record_refund(claim, now)
    return _record_not_refundable(claim, "eSIM Access refused the cancel: in use.", now)


# ---------------------------------------------------------------------------- outcomes


def _locked(claim: Claim, *related: str) -> EsimProfile:
    """The eSIM, locked (only its row: its order and item stay free for checkouts), with only
    the columns a settlement reads or writes: the others (codes encrypted at rest, the order's
    breakdown) are neither decrypted nor written back."""
    return (
        EsimProfile.objects.select_for_update(of=("self",))
        .select_related("order_item", "order")
        .only("order", "order_item", "refund_claimed_at", *SETTLED_COLUMNS, *related)
        .get(pk=claim.profile_id)
    )


def _is_ours(profile: EsimProfile, claim: Claim) -> bool:
    """Still this run's claim: not settled meanwhile by another run or an event."""
    return (
        profile.refund_status == RefundStatus.PROCESSING
        and profile.refund_claimed_at == claim.claimed_at
    )


def _locked_claim(claim: Claim) -> EsimProfile | None:
    profile = _locked(claim)
    return profile if _is_ours(profile, claim) else None


# What settling an eSIM writes; a refund also reads its order and item (REFUND_READS).
SETTLED_COLUMNS = (
    "esim_status",
    "refund_status",
    "refunded_at",
    "refund_amount_cents",
    "refund_attempts",
    "refund_retry_at",
    "refund_error",
    "updated_at",
)
REFUND_READS = (
    "order__user",
    "order__customer_email",
    "order_item__package",
    "order_item__quantity",
    "order_item__total_cents",
    "order_item__code_discount_cents",
    "order_item__points_discount_cents",
    "order_item__provider_unit_price_units",
)


def _record_refund(claim: Claim, now: datetime, *, cancelled_by_us: bool = False) -> Settled:
    """The cost is back. After our own successful cancel the provider is the truth: recorded
    even if the claim was lost meanwhile (a late SM-DP+ event said "not refundable")."""
    with transaction.atomic():
        profile = _locked(claim, *REFUND_READS)
        if profile.refund_status == RefundStatus.REFUNDED:
            return Settled(Outcome.SKIPPED)  # recorded already (another run, a retry)
        if not _is_ours(profile, claim):
            if not cancelled_by_us:
                return Settled(Outcome.SKIPPED)
            logger.error(
                "eSIM %s was cancelled by us while %s: recording the refund",
                claim.esim_tran_no,
                profile.refund_status,
            )
        item = profile.order_item
        amount = _provider_cost_cents(item)
        advance(profile, REFUND, RefundStatus.REFUNDED)
        profile.esim_status = ProfileStatus.CANCELLED
        profile.refunded_at, profile.refund_amount_cents = now, amount
        profile.refund_error, profile.refund_retry_at = "", None
        profile.save(update_fields=SETTLED_COLUMNS)
        OrderItem.objects.filter(pk=item.pk).update(profiles_cancelled=F("profiles_cancelled") + 1)
        if profile.order.user_id is not None:
            reverse_for_esim(
                user_id=profile.order.user_id,
                order_id=profile.order_id,
                esim_id=profile.pk,
                points=points_for_paid_cents(item.amount_paid_cents // item.quantity),
                now=now,
            )
        queue_profile_email(profile, ESIM_REFUNDED)
    logger.info("Refunded eSIM %s: %d cents back", claim.esim_tran_no, amount)
    return Settled(Outcome.REFUNDED, amount)


def _provider_cost_cents(item: OrderItem) -> int:
    """What eSIM Access charged for one eSIM of the item (its package's price today, for
    items ordered before the price was kept)."""
    units = item.provider_unit_price_units
    if units is None:
        units = item.package.provider_price_units
    return balance_cents_from_provider_units(units)


def _record_not_refundable(claim: Claim, reason: str, now: datetime) -> Settled:
    with transaction.atomic():
        profile = _locked_claim(claim)
        if profile is None:
            return Settled(Outcome.SKIPPED)
        advance(profile, REFUND, RefundStatus.NOT_REFUNDABLE)
        profile.refund_error, profile.refund_retry_at = reason[:500], None
        profile.save(update_fields=SETTLED_COLUMNS)
    return Settled(Outcome.NOT_REFUNDABLE)


def _record_failure(claim: Claim, reason: str, now: datetime) -> Settled:
    with transaction.atomic():
        profile = _locked_claim(claim)
        if profile is None:
            return Settled(Outcome.SKIPPED)
        advance(profile, REFUND, RefundStatus.FAILED)
        profile.refund_attempts += 1
        attempts = profile.refund_attempts
        # None once the attempts are spent: a human looks at it (Admin: Refund monitor).
        profile.refund_retry_at = (
            now + RETRY_AFTER[attempts - 1] if attempts < MAX_ATTEMPTS else None
        )
        profile.refund_error = reason[:500]
        profile.save(update_fields=SETTLED_COLUMNS)
    logger.warning(
        "Refund of eSIM %s failed (attempt %d): %s", claim.esim_tran_no, attempts, reason
    )
    return Settled(Outcome.FAILED)


# ---------------------------------------------------------------------------- by hand

STILL_CANCELLABLE = (RefundStatus.NOT_ELIGIBLE, RefundStatus.ELIGIBLE, RefundStatus.FAILED)


def refund_now(profile_id: Any, *, now: datetime, by: User | None) -> str:
    """An order manager refunds one eSIM now (before its 90 days, or a failed one again): the
    job's own path. Refused unless, by our records, it is still unused and not being handled.
    Call it outside a transaction: it commits its claim before asking the provider."""
    with transaction.atomic():
        profile = EsimProfile.objects.select_for_update().get(pk=profile_id)
        unused = (profile.esim_status, profile.smdp_status) == (
            ProfileStatus.GOT_RESOURCE,
            SmdpStatus.RELEASED,
        )
        if not unused or profile.refund_status not in STILL_CANCELLABLE:
            raise BusinessRuleError(
                f"eSIM {profile.iccid or profile.esim_tran_no} cannot be refunded: "
                f"{profile.get_refund_status_display().lower()}, "
                f"{profile.get_smdp_status_display().lower()}."
            )
        advance(profile, REFUND, RefundStatus.PROCESSING)
        profile.refund_claimed_at = now
        profile.save(update_fields=["refund_status", "refund_claimed_at", "updated_at"])
    claim = Claim(profile.pk, profile.esim_tran_no, profile.esim_order_no, now)
    logger.info("Refund of eSIM %s asked by %s", profile.esim_tran_no, by or "the system")
    [settled] = settle_claims([claim], now=now)
    return settled.outcome
