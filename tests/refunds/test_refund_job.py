"""The 90-day refund job against the eSIM Access sandbox (real HTTP, real PostgreSQL): every
eSIM left unused is cancelled once and its cost comes back; anything installed, even at the
last moment, is left alone; failures are retried, crashes reconciled, never a blind cancel."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from io import StringIO
from itertools import groupby

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from accounts.models import CustomerProfile
from hiroam.sandbox.faults import inject_fault
from hiroam.sandbox.models import EsimProfile as ProviderEsim
from orders.models import EmailLog, EsimProfile, OrderItem, RefundStatus
from points.models import PointsTransaction
from refunds import job
from refunds.models import RefundRun
from refunds.services import MAX_ATTEMPTS, claim_batch, refund_now
from tests.accounts.factories import UserFactory
from tests.esim_sandbox import delivered_esims

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def refund_sandbox(provider, settings, sandbox_package_codes):
    """The sandbox provider at a brisk rate limit; returns its account."""
    from hiroam.integrations.esim_access import esim_access_client

    settings.ESIM_ACCESS_REQUESTS_PER_SECOND = 100
    settings.REFUND_JOB_WORKERS = 2
    esim_access_client.cache_clear()
    return provider


def _aged(esims, days=91):
    """Delivered `days` ago: their 90 days are over."""
    ready = timezone.now() - timedelta(days=days)
    EsimProfile.objects.filter(pk__in=[e.pk for e in esims]).update(
        resource_ready_at=ready, refund_eligible_at=ready + timedelta(days=90)
    )


def _balance(account):
    account.refresh_from_db()
    return account.balance_units


def _statuses():
    return sorted(EsimProfile.objects.values_list("refund_status", flat=True))


def _at_provider(esim):
    return ProviderEsim.objects.get(esim_tran_no=esim.esim_tran_no)


def _run(now=None, **options):
    return job.process_esim_refunds(now=now or timezone.now(), trigger="command", **options)


def test_unused_esims_are_cancelled_and_their_cost_comes_back(
    refund_sandbox, sandbox_package_codes
):
    customer = UserFactory.create()
    esims = delivered_esims(
        sandbox_package_codes, 3, user=customer, subtotal_cents=900, total_cents=900
    )
    # Completed: 90 points for $9.00 (30 an eSIM) and the first-purchase bonus.
    assert CustomerProfile.objects.get(user=customer).points_balance == 140
    installed = esims[2]  # installed the day before: SM-DP+ told us
    EsimProfile.objects.filter(pk=installed.pk).update(
        smdp_status="installed", refund_status=RefundStatus.NOT_REFUNDABLE
    )
    ProviderEsim.objects.filter(pk=_at_provider(installed).pk).update(smdp_status="INSTALLATION")
    _aged(esims)
    cost = _at_provider(esims[0]).price_units
    before = _balance(refund_sandbox)

    run = _run()

    assert (run.marked_eligible, run.processed, run.refunded, run.failed) == (2, 2, 2, 0)
    assert _balance(refund_sandbox) == before + 2 * cost  # exactly their cost, once each
    assert run.recovered_cents == 2 * (cost // 100)  # cents, each rounded down
    assert _statuses() == ["not_refundable", "refunded", "refunded"]
    refunded = EsimProfile.objects.filter(refund_status="refunded")
    assert {e.esim_status for e in refunded} == {"cancelled"}
    assert {e.refund_amount_cents for e in refunded} == {cost // 100}
    assert all(e.refunded_at is not None for e in refunded)
    assert {_at_provider(e).esim_status for e in refunded} == {"CANCEL"}
    assert OrderItem.objects.get().profiles_cancelled == 2
    # The customer hears of each, and loses the 30 points each of those eSIMs earned.
    assert EmailLog.objects.filter(template_name="esim_refunded").count() == 2
    assert CustomerProfile.objects.get(user=customer).points_balance == 140 - 60
    assert PointsTransaction.objects.filter(reason__startswith="esim_refund:").count() == 2
    # A second run finds nothing to do.
    again = _run()
    assert (again.processed, again.refunded) == (0, 0)
    assert _balance(refund_sandbox) == before + 2 * cost


def test_installed_after_our_last_news_is_never_cancelled(refund_sandbox, sandbox_package_codes):
    [esim] = delivered_esims(sandbox_package_codes, 1)
    _aged([esim])
    # The customer installed it minutes ago; its webhook has not reached us.
    ProviderEsim.objects.filter(pk=_at_provider(esim).pk).update(smdp_status="INSTALLATION")
    before = _balance(refund_sandbox)

    run = _run()

    assert (run.refunded, run.not_refundable) == (0, 1)
    assert _at_provider(esim).esim_status == "GOT_RESOURCE"  # no cancel was sent
    assert _balance(refund_sandbox) == before
    assert "INSTALLATION" in EsimProfile.objects.get().refund_error


def test_a_cancel_the_provider_refuses_is_not_refundable(refund_sandbox, sandbox_package_codes):
    [esim] = delivered_esims(sandbox_package_codes, 1)
    _aged([esim])
    inject_fault(target="esim_access_api", kind="not_allowed", path="esim/cancel")

    run = _run()

    assert (run.refunded, run.not_refundable, run.failed) == (0, 1, 0)
    assert _statuses() == ["not_refundable"]


def test_a_provider_outage_fails_then_a_later_run_refunds(refund_sandbox, sandbox_package_codes):
    [esim] = delivered_esims(sandbox_package_codes, 1)
    _aged([esim])
    inject_fault(target="esim_access_api", kind="http_500", count=20, path="esim/query")
    now = timezone.now()

    first = _run(now)

    assert first.failed == 1
    failed = EsimProfile.objects.get()
    assert (failed.refund_status, failed.refund_attempts) == ("failed", 1)
    assert failed.refund_retry_at is not None
    assert timedelta(hours=12) <= failed.refund_retry_at - now < timedelta(hours=12, seconds=5)
    assert _at_provider(esim).esim_status == "GOT_RESOURCE"
    assert _run(now + timedelta(hours=1)).processed == 0  # not before its time
    from hiroam.sandbox.models import Fault

    Fault.objects.all().delete()  # the provider is back

    later = _run(now + timedelta(hours=13))

    assert later.refunded == 1
    assert _at_provider(esim).esim_status == "CANCEL"


def test_failures_stop_being_retried_after_the_last_attempt(refund_sandbox, sandbox_package_codes):
    [esim] = delivered_esims(sandbox_package_codes, 1)
    _aged([esim])
    inject_fault(target="esim_access_api", kind="http_500", count=500, path="esim/query")
    now = timezone.now()

    for day in range(MAX_ATTEMPTS + 2):
        _run(now + timedelta(days=5 * day))

    left = EsimProfile.objects.get()
    assert (left.refund_status, left.refund_attempts, left.refund_retry_at) == (
        "failed",
        MAX_ATTEMPTS,
        None,
    )


def test_a_batch_takes_the_oldest_first_and_keeps_a_provider_order_together(
    refund_sandbox, sandbox_package_codes
):
    from refunds.services import mark_eligible

    older = delivered_esims(sandbox_package_codes, 2)
    _aged(older, days=95)
    # Two more orders (each its own package code), all their eSIMs due at the same moment.
    orders = [delivered_esims(sandbox_package_codes[i:], 5) for i in (1, 2)]
    _aged([esim for order in orders for esim in order])
    now = timezone.now()
    mark_eligible(now=now)

    claims = claim_batch(now=now, size=9)

    order_nos = [claim.esim_order_no for claim in claims]
    assert order_nos[:2] == [older[0].esim_order_no] * 2
    # Each provider order's eSIMs side by side, so that one query to the provider asks about
    # them all (only the last order is cut by the end of the batch).
    assert [no for no, _ in groupby(order_nos)] == list(dict.fromkeys(order_nos))
    assert len(set(order_nos)) == 3


def test_a_crash_after_the_cancel_is_reconciled_without_a_second_cancel(
    refund_sandbox, sandbox_package_codes
):
    esims = delivered_esims(sandbox_package_codes, 2)
    _aged(esims)
    now = timezone.now()
    from refunds.services import mark_eligible

    mark_eligible(now=now)
    claims = claim_batch(now=now, size=10)  # then the worker died...
    assert _statuses() == ["processing", "processing"]
    # ...after its cancel of the first went through, before it could record it.
    from hiroam.integrations.esim_access import esim_access_client

    esim_access_client().cancel_profile(esim_tran_no=claims[0].esim_tran_no)
    before = _balance(refund_sandbox)
    assert _run(now + timedelta(minutes=5)).processed == 0  # a live run's claims are left

    later = _run(now + timedelta(minutes=31))

    assert (later.processed, later.refunded, later.failed) == (2, 2, 0)
    # Only the second eSIM was cancelled now: the first came back once, before the crash.
    assert _balance(refund_sandbox) == before + _at_provider(esims[1]).price_units


def test_two_runs_at_once_handle_every_esim_exactly_once(
    refund_sandbox, sandbox_package_codes, monkeypatch
):
    monkeypatch.setattr(job, "BATCH_SIZE", 3)  # many small claims, taken turn about
    # Each run waits, after its first claim, until the other has claimed too: on a busy
    # machine one thread could otherwise finish the lot before the other starts.
    first_claims = threading.Barrier(2, timeout=30)
    claimed = threading.local()

    def claim_then_meet(**arguments):
        claims = claim_batch(**arguments)  # the service the job calls
        if not getattr(claimed, "once", False):
            claimed.once = True
            first_claims.wait()
        return claims

    monkeypatch.setattr(job, "claim_batch", claim_then_meet)
    esims = delivered_esims(sandbox_package_codes, 20)
    _aged(esims)
    before = _balance(refund_sandbox)
    now = timezone.now()

    def run(_):
        try:
            return _run(now)
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = list(pool.map(run, range(2)))

    assert sum(r.refunded for r in runs) == 20
    assert sum(r.processed for r in runs) == 20
    assert sum(r.failed + r.not_refundable for r in runs) == 0
    assert _balance(refund_sandbox) == before + 20 * _at_provider(esims[0]).price_units
    assert OrderItem.objects.get().profiles_cancelled == 20
    assert all(r.processed for r in runs)  # both took their share


def test_a_dry_run_changes_nothing_and_says_what_it_would_do(refund_sandbox, sandbox_package_codes):
    esims = delivered_esims(sandbox_package_codes, 2)
    _aged(esims)
    before = _balance(refund_sandbox)
    out = StringIO()

    call_command("process_esim_refunds", "--dry-run", stdout=out)

    assert "would mark 2 eSIM(s) eligible and process 2" in out.getvalue()
    assert _statuses() == ["not_eligible", "not_eligible"]
    assert _balance(refund_sandbox) == before
    assert not RefundRun.objects.exists()


def test_refund_now_cancels_an_unused_esim_early_and_refuses_an_installed_one(
    refund_sandbox, sandbox_package_codes
):
    unused, installed = delivered_esims(sandbox_package_codes, 2)
    EsimProfile.objects.filter(pk=installed.pk).update(smdp_status="installed")

    assert refund_now(unused.pk, now=timezone.now(), by=None) == "refunded"
    from hiroam.api.errors import DomainError

    with pytest.raises(DomainError, match="cannot be refunded"):
        refund_now(installed.pk, now=timezone.now(), by=None)
    assert _at_provider(installed).esim_status == "GOT_RESOURCE"


def test_nobody_is_emailed_about_an_erased_customers_esim(refund_sandbox, sandbox_package_codes):
    from orders.data_rights import ERASED_EMAIL
    from orders.models import Order

    [esim] = delivered_esims(sandbox_package_codes, 1)
    EmailLog.objects.all().delete()
    Order.objects.update(customer_email=ERASED_EMAIL)

    assert refund_now(esim.pk, now=timezone.now(), by=None) == "refunded"

    assert not EmailLog.objects.exists()


def test_a_run_out_of_time_stops_and_says_more_is_due(
    refund_sandbox, sandbox_package_codes, monkeypatch
):
    monkeypatch.setattr(job, "BATCH_SIZE", 2)
    esims = delivered_esims(sandbox_package_codes, 5)
    _aged(esims)

    first = job.run_refund_job(now=timezone.now(), trigger="schedule", budget_seconds=0)

    assert (first.run.processed, first.more_due) == (2, True)
    rest = job.run_refund_job(now=timezone.now(), trigger="schedule", budget_seconds=600)
    assert (rest.run.processed, rest.more_due) == (3, False)
    assert _statuses() == ["refunded"] * 5


def test_one_esims_unexpected_trouble_fails_it_alone(
    refund_sandbox, sandbox_package_codes, monkeypatch
):
    from refunds import services

    esims = delivered_esims(sandbox_package_codes, 2)
    _aged(esims)
    real_refund = services._record_refund
    trouble = esims[0].esim_tran_no

    def refund_with_a_bug(claim, now, **options):
        if claim.esim_tran_no == trouble:
            raise ValueError("a bug in recording")
        return real_refund(claim, now, **options)

    monkeypatch.setattr(services, "_record_refund", refund_with_a_bug)

    run = _run()

    assert (run.refunded, run.failed) == (1, 1)
    failed = EsimProfile.objects.get(esim_tran_no=trouble)
    assert (failed.refund_status, failed.refund_attempts) == ("failed", 1)
    assert "a bug in recording" in failed.refund_error


def test_our_cancel_is_recorded_even_if_a_late_event_said_not_refundable(
    refund_sandbox, sandbox_package_codes
):
    from refunds.services import _record_refund

    [esim] = delivered_esims(sandbox_package_codes, 1)
    _aged([esim])
    from refunds.services import mark_eligible

    now = timezone.now()
    mark_eligible(now=now)
    [claim] = claim_batch(now=now, size=1)
    # A late SM-DP+ event arrives while the cancel is on its way, and the cancel succeeds.
    EsimProfile.objects.filter(pk=esim.pk).update(refund_status=RefundStatus.NOT_REFUNDABLE)

    assert _record_refund(claim, now, cancelled_by_us=True).outcome == "refunded"
    assert EsimProfile.objects.get().refund_status == RefundStatus.REFUNDED
