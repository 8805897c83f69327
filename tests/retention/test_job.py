"""The retention job with the clock moved years ahead: what the policy says is gone is gone,
what it keeps is intact (old orders' amounts, items, eSIMs, the points ledger), anonymised
orders keep their totals; a dry run changes nothing; a second run does nothing more; a row
another transaction holds is skipped, never waited for, and taken by the next run."""

import threading
import time
from dataclasses import replace
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from accounts.models import AdminAuditEntry, CustomerProfile, User
from catalog.models import EsimPackage, SyncRun
from orders.data_rights import ERASED_EMAIL
from orders.models import EmailLog, EsimProfile, Order, OrderItem, PaymentRefund, WebhookLog
from points.models import PointsExpiryNotice, PointsTransaction
from pricing.models import DiscountCodeUsage, ExperimentAssignment, ExperimentView
from refunds.models import RefundRun
from retention import job
from retention.models import RetentionRun
from retention.policy import APPLIED_RULES
from tests.retention.world import LATER, build_world

TABLES = (
    User,
    CustomerProfile,
    AdminAuditEntry,
    LogEntry,
    EsimPackage,
    SyncRun,
    Order,
    OrderItem,
    EsimProfile,
    PaymentRefund,
    WebhookLog,
    EmailLog,
    PointsTransaction,
    PointsExpiryNotice,
    DiscountCodeUsage,
    RefundRun,
)


def _everything():
    """Every row of every table the policy looks at (but its own runs)."""
    return {
        model._meta.label: list(model._default_manager.order_by("pk").values()) for model in TABLES
    }


def _run(now, **options):
    return job.apply_retention_policy(now=now, trigger="command", **options)


@pytest.mark.django_db
def test_what_the_policy_says_is_gone_is_gone_and_what_it_keeps_is_intact():
    world = build_world()
    ledger_before = list(PointsTransaction.objects.order_by("pk").values())
    customer_order_before = Order.objects.filter(pk=world.customer.order.pk).values().get()
    guest_before = dict(Order.objects.filter(pk=world.guest.pk).values().get())

    run = _run(world.now)

    assert run.errors == {}
    assert run.counts == {
        "webhook_logs": 1,  # the registered customer's Paddle event; the rest are recent
        "abandoned_unpaid_orders": 1,
        "orphan_email_logs": 1,
        "guest_order_contacts": 1,
        "audit_entries": 3,  # staff changes about the customer: not the erasure record
        "admin_history": 1,
        "points_expiry_notices": 2,  # both of the customer's, their days long past
        "refund_runs": 1,
        "experiment_views": 2,  # 40 days old, of either experiment
        "experiment_assignments": 1,  # the experiment completed 100 days ago
        "sync_runs": 1,
        "retention_runs": 0,
    }
    assert run.finished_at >= run.started_at == world.now

    # Gone.
    assert not Order.objects.filter(pk=world.abandoned.pk).exists()
    assert not OrderItem.objects.filter(order_id=world.abandoned.pk).exists()
    assert not EmailLog.objects.filter(pk=world.abandoned_email.pk).exists()
    assert not DiscountCodeUsage.objects.filter(pk=world.abandoned_promo_use.pk).exists()
    assert not EmailLog.objects.filter(pk=world.orphan_email.pk).exists()
    assert not WebhookLog.objects.filter(order=world.customer.order).exists()
    assert set(AdminAuditEntry.objects.values_list("pk", flat=True)) == {
        world.erasure_record.pk,
        world.recent_audit.pk,
    }
    assert not LogEntry.objects.exists()
    assert not PointsExpiryNotice.objects.exists()
    assert list(SyncRun.objects.all()) == [world.recent_sync]
    assert list(RefundRun.objects.all()) == [world.recent_refund_run]
    assert ExperimentView.objects.filter(day__lt=world.recent_view.day).count() == 0
    assert ExperimentView.objects.count() == 2  # each experiment's recent view
    assert list(ExperimentAssignment.objects.all()) == [world.running_assignment]

    # The old guest order is the same order, with every amount, item and eSIM, naming nobody.
    guest_after = dict(Order.objects.filter(pk=world.guest.pk).values().get())
    changed = {key for key in guest_before if guest_before[key] != guest_after[key]}
    assert changed == {"customer_email", "customer_name", "paddle_customer_id", "updated_at"}
    assert (guest_after["customer_email"], guest_after["customer_name"]) == (ERASED_EMAIL, "")
    assert (guest_after["total_cents"], guest_after["paddle_transaction_id"]) == (
        1_499,
        "txn_GITA",
    )
    assert OrderItem.objects.get(pk=world.guest_item.pk).total_cents == 1_499
    assert EsimProfile.objects.get(pk=world.guest_esim.pk).iccid == "8988000000000GITA"
    assert EmailLog.objects.get(pk=world.guest_email.pk).to_email == ERASED_EMAIL
    use = DiscountCodeUsage.objects.get(pk=world.guest_promo_use.pk)
    assert (use.guest_email, use.discount_amount_cents, use.status) == (ERASED_EMAIL, 150, "used")
    payment = WebhookLog.objects.get(pk=world.guest_payment.pk)  # unprocessed: kept, scrubbed
    assert payment.payload == {"data": {"id": "txn_GITA"}}

    # Kept as they were: the customer's order and ledger, the orders not due, recent rows.
    assert Order.objects.filter(pk=world.customer.order.pk).values().get() == (
        customer_order_before
    )
    assert list(PointsTransaction.objects.order_by("pk").values()) == ledger_before
    assert PaymentRefund.objects.filter(pk=world.customer.refund.pk).exists()
    for kept in (world.recent_guest, world.flagged_unpaid, world.pending, world.recent_abandoned):
        assert Order.objects.get(pk=kept.pk).customer_email == kept.customer_email
    for log in (world.unprocessed_webhook, world.recent_webhook):
        assert WebhookLog.objects.filter(pk=log.pk).exists()
    assert EmailLog.objects.filter(pk=world.recent_orphan_email.pk).exists()
    assert EmailLog.objects.get(pk=world.customer.email.pk).to_email == "tia@example.com"


@pytest.mark.django_db
def test_a_dry_run_changes_nothing_and_counts_what_the_run_then_does():
    world = build_world()
    before = _everything()

    dry = _run(world.now, dry_run=True)

    assert _everything() == before
    assert dry.dry_run and dry.errors == {}
    real = _run(world.now)
    assert dry.counts == real.counts
    assert sum(real.counts.values()) > 0


@pytest.mark.django_db
def test_a_second_run_does_nothing_more():
    world = build_world()
    _run(world.now)
    after_first = _everything()

    second = _run(world.now)

    assert set(second.counts.values()) == {0}
    assert _everything() == after_first


@pytest.mark.django_db
def test_nothing_is_due_at_the_real_clock():
    build_world()
    before = _everything()

    run = _run(timezone.now())

    assert set(run.counts.values()) == {0}
    assert _everything() == before


@pytest.mark.django_db
def test_rules_work_through_every_batch():
    for _ in range(7):
        SyncRun.objects.create()
    now = SyncRun.objects.latest("started_at").started_at + LATER
    sync_rule = tuple(rule for rule in APPLIED_RULES if rule.key == "sync_runs")

    run = _run(now, rules=sync_rule, batch_size=3)

    assert run.counts == {"sync_runs": 7}
    assert not SyncRun.objects.exists()


@pytest.mark.django_db
def test_a_failing_rule_is_recorded_and_the_others_still_run():
    world = build_world()

    def broken(ids, now):
        raise RuntimeError("disk full")

    rules = tuple(
        replace(rule, apply=broken) if rule.key == "webhook_logs" else rule
        for rule in APPLIED_RULES
    )

    run = _run(world.now, rules=rules)

    assert run.errors == {"webhook_logs": "RuntimeError: disk full"}
    assert run.counts["webhook_logs"] == 0
    assert run.counts["sync_runs"] == 1
    assert WebhookLog.objects.filter(order=world.customer.order).exists()  # rolled back


@pytest.mark.django_db(transaction=True)
def test_a_row_held_by_another_transaction_is_skipped_and_the_next_run_takes_it():
    logs = [
        WebhookLog.objects.create(
            source=WebhookLog.Source.PADDLE,
            event_id=f"evt_{n}",
            event_type="transaction.completed",
            payload={},
            processed=True,
        )
        for n in range(3)
    ]
    held = logs[1]
    now = held.created_at + LATER
    webhook_rule = tuple(rule for rule in APPLIED_RULES if rule.key == "webhook_logs")
    locked, release = threading.Event(), threading.Event()

    def hold_the_row():  # a webhook worker in the middle of applying it
        try:
            with transaction.atomic():
                WebhookLog.objects.select_for_update().get(pk=held.pk)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_the_row)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        started = time.monotonic()
        first = _run(now, rules=webhook_rule, batch_size=2)
        took = time.monotonic() - started
    finally:
        release.set()
        holder.join()

    assert took < 1  # never waited for the lock
    assert first.counts == {"webhook_logs": 2}
    assert list(WebhookLog.objects.all()) == [held]
    second = _run(now, rules=webhook_rule)
    assert second.counts == {"webhook_logs": 1}
    assert not WebhookLog.objects.exists()


@pytest.mark.django_db
def test_each_run_is_recorded_and_old_runs_are_deleted():
    old = _run(timezone.now())
    later = old.started_at + timedelta(days=366)

    run = _run(later)

    assert run.counts["retention_runs"] == 1
    assert list(RetentionRun.objects.all()) == [run]


@pytest.mark.django_db
def test_the_command_dry_run_reports_per_rule_and_changes_nothing(capsys):
    SyncRun.objects.create(started_at=timezone.now() - LATER)
    before = _everything()

    call_command("apply_retention", "--dry-run")

    output = capsys.readouterr().out
    assert "sync_runs: would delete 1 (older than 90 days)" in output
    assert "webhook_logs: would delete 0 (older than 30 days)" in output
    assert "Dry run: nothing changed." in output
    assert _everything() == before
    assert RetentionRun.objects.get().dry_run


@pytest.mark.django_db
def test_the_command_applies_the_policy():
    SyncRun.objects.create(started_at=timezone.now() - LATER)

    call_command("apply_retention")

    assert not SyncRun.objects.exists()
    assert RetentionRun.objects.get().trigger == "command"


@pytest.mark.django_db
def test_a_run_out_of_time_starts_no_batch_and_says_so():
    world = build_world()

    run = _run(world.now, budget_seconds=0)

    assert set(run.errors) == {rule.key for rule in APPLIED_RULES}
    assert run.errors["sync_runs"] == (
        "TimeBudgetSpent: the run's time is up; the next run goes on"
    )
    assert set(run.counts.values()) == {0}
    assert _run(world.now).counts["sync_runs"] == 1  # the next run goes on
