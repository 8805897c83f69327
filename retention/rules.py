"""What each rule of the policy finds due and what it does to it. The declaration (ages,
reasons, legal bases) is retention.policy; the job (batches, locks, runs) is retention.job.

`due(cutoff)` answers the rows past their time that the rule has not handled yet, so a second
run finds nothing more. `apply(ids, now)` handles rows the job has locked and answers how many
it deleted or anonymised. Anonymising is the orders app's own (the same as an erasure)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.db.models import Exists, Model, OuterRef, QuerySet

from accounts.data_rights import ERASE_ACTION, scrub_audit_entries
from accounts.models import AdminAuditEntry
from catalog.models import SyncRun
from orders.data_rights import (
    AWAITING_PAYMENT,
    BEING_DELIVERED,
    ERASED_EMAIL,
    anonymise_guest_orders,
)
from orders.models import (
    EmailLog,
    Order,
    OrderStatus,
    PaymentRefund,
    PaymentStatus,
    Reservation,
    WebhookLog,
)
from points.models import PointsExpiryNotice
from pricing.models import DiscountCodeUsage, ExperimentAssignment, ExperimentView, PriceExperiment
from refunds.models import RefundRun
from retention.models import RetentionRun

Apply = Callable[[list[Any], datetime], int]


def deleting(model: type[Model]) -> Apply:
    """An `apply` that deletes the locked rows of `model` (and what cascades from them)."""

    def apply(ids: list[Any], now: datetime) -> int:
        _, by_model = model._default_manager.filter(pk__in=ids).delete()
        return by_model.get(model._meta.label, 0)

    return apply


delete_webhook_logs = deleting(WebhookLog)
delete_email_logs = deleting(EmailLog)
delete_audit_entries = deleting(AdminAuditEntry)
delete_admin_history = deleting(LogEntry)
delete_expiry_notices = deleting(PointsExpiryNotice)
delete_refund_runs = deleting(RefundRun)
delete_sync_runs = deleting(SyncRun)
delete_retention_runs = deleting(RetentionRun)
delete_experiment_views = deleting(ExperimentView)
delete_experiment_assignments = deleting(ExperimentAssignment)


# ---------------------------------------------------------------- operational records


def processed_webhook_logs(cutoff: datetime) -> QuerySet[WebhookLog]:
    # Unprocessed events are still work to do (and staff look at them): never due.
    return WebhookLog.objects.filter(processed=True, created_at__lt=cutoff)


def orphan_email_logs(cutoff: datetime) -> QuerySet[EmailLog]:
    # With an order, the row is what makes each email go at most once and where "Resend"
    # finds the address: it lives and is anonymised with its order.
    return EmailLog.objects.filter(order__isnull=True, created_at__lt=cutoff)


def old_audit_entries(cutoff: datetime) -> QuerySet[AdminAuditEntry]:
    # Erasure records name nobody (the id of a deleted account) and prove we erased: kept.
    return AdminAuditEntry.objects.filter(created_at__lt=cutoff).exclude(action_name=ERASE_ACTION)


def old_admin_history(cutoff: datetime) -> QuerySet[LogEntry]:
    return LogEntry.objects.filter(action_time__lt=cutoff)


def past_expiry_notices(cutoff: datetime) -> QuerySet[PointsExpiryNotice]:
    # Its expiry day is long gone: the notice can never be sent again.
    return PointsExpiryNotice.objects.filter(expires_on__lt=cutoff.date())


def old_refund_runs(cutoff: datetime) -> QuerySet[RefundRun]:
    return RefundRun.objects.filter(started_at__lt=cutoff)


def old_experiment_views(cutoff: datetime) -> QuerySet[ExperimentView]:
    return ExperimentView.objects.filter(day__lt=cutoff.date())


def finished_experiment_assignments(cutoff: datetime) -> QuerySet[ExperimentAssignment]:
    # A running or paused experiment still prices its visitors by them: never due.
    return ExperimentAssignment.objects.filter(
        experiment__status=PriceExperiment.Status.COMPLETED, experiment__completed_at__lt=cutoff
    )


def old_sync_runs(cutoff: datetime) -> QuerySet[SyncRun]:
    return SyncRun.objects.filter(started_at__lt=cutoff)


def old_retention_runs(cutoff: datetime) -> QuerySet[RetentionRun]:
    return RetentionRun.objects.filter(started_at__lt=cutoff)


# ---------------------------------------------------------------- orders


def _has_open_refund() -> Exists:
    return Exists(PaymentRefund.objects.filter(order=OuterRef("pk"), status__in=PaymentRefund.OPEN))


def _never_paid() -> QuerySet[Order]:
    """Checkouts never paid: expired, cancelled or failed, holding nothing any more, with no
    payment, no refund and no human decision pending."""
    return (
        Order.objects.filter(
            status__in=(OrderStatus.EXPIRED, OrderStatus.CANCELLED, OrderStatus.FAILED),
            reservation=Reservation.RELEASED,
            paid_at__isnull=True,
            needs_review=False,
        )
        .exclude(payment_status__in=(PaymentStatus.COMPLETED, PaymentStatus.REFUNDED))
        .exclude(Exists(PaymentRefund.objects.filter(order=OuterRef("pk"))))
    )


def abandoned_unpaid_orders(cutoff: datetime) -> QuerySet[Order]:
    return _never_paid().filter(created_at__lt=cutoff)


def delete_unpaid_orders(ids: list[Any], now: datetime) -> int:
    """The orders with their items, the emails about them and their released promo code
    holds (which carry the guest's address); audit entries about them lose the person."""
    EmailLog.objects.filter(order_id__in=ids).delete()
    DiscountCodeUsage.objects.filter(order_id__in=ids).exclude(
        status=DiscountCodeUsage.Status.USED
    ).delete()
    scrub_audit_entries(Order, ids)
    _, by_model = Order.objects.filter(pk__in=ids).delete()
    return by_model.get(Order._meta.label, 0)


def old_guest_orders(cutoff: datetime) -> QuerySet[Order]:
    """Guest orders (no account) past their time whose customer is still named: none being
    paid, delivered or refunded (the erasure's own conditions) or waiting for a human. Orders
    never paid are left to their own rule, which deletes them sooner."""
    return (
        Order.objects.filter(user__isnull=True, created_at__lt=cutoff, needs_review=False)
        .exclude(customer_email=ERASED_EMAIL)
        .exclude(status__in=(*AWAITING_PAYMENT, *BEING_DELIVERED))
        .exclude(_has_open_refund())
        .exclude(pk__in=_never_paid().values("pk"))
    )


def anonymise_guests(ids: list[Any], now: datetime) -> int:
    return anonymise_guest_orders(ids, now).get("orders_anonymised", 0)
