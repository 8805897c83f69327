"""Rows of every kind the retention policy looks at, some past their age and some not, for
the job's tests. Rows are written at the real clock; the tests run the job with `now` moved
years ahead, so "old" rows are simply those written without a recent date."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.data_rights import ERASE_ACTION
from accounts.models import AdminAuditEntry, User
from catalog.models import SyncRun
from orders.models import (
    EmailLog,
    EsimProfile,
    Order,
    OrderItem,
    OrderStatus,
    PaymentStatus,
    Reservation,
    WebhookLog,
)
from points.models import PointsExpiryNotice
from pricing.models import DiscountCodeUsage, ExperimentAssignment, ExperimentView
from refunds.models import RefundRun
from tests.accounts.customer_file import CustomerFile, customer_with_one_of_everything
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PackageFactory
from tests.orders.factories import OrderFactory, paid_order
from tests.pricing.factories import (
    DiscountCodeFactory,
    DiscountCodeUsageFactory,
    running_experiment,
)

# Three years on: past every age the policy applies (the longest is two years).
LATER = timedelta(days=3 * 365)


@dataclass
class World:
    now: datetime  # the moment the job runs
    customer: CustomerFile  # a registered customer's completed order and all around it
    guest: Order  # a completed guest order, old
    guest_item: OrderItem
    guest_esim: EsimProfile
    guest_email: EmailLog
    guest_promo_use: DiscountCodeUsage
    guest_payment: WebhookLog
    recent_guest: Order
    abandoned: Order  # expired unpaid, released, old
    abandoned_email: EmailLog
    abandoned_promo_use: DiscountCodeUsage
    flagged_unpaid: Order  # expired unpaid but waiting for a human
    pending: Order  # old yet still pending: never touched
    recent_abandoned: Order
    unprocessed_webhook: WebhookLog
    recent_webhook: WebhookLog
    orphan_email: EmailLog
    recent_orphan_email: EmailLog
    erasure_record: AdminAuditEntry
    recent_audit: AdminAuditEntry
    old_notice: PointsExpiryNotice
    recent_sync: SyncRun
    recent_refund_run: RefundRun
    recent_view: ExperimentView  # an experiment's view of 10 days ago (the old one is due)
    running_assignment: ExperimentAssignment  # a running experiment's (the finished one's due)


def _item(order: Order) -> OrderItem:
    package = PackageFactory.create()
    return OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name="Bali 10GB 30 days",
        quantity=1,
        unit_price_cents=order.subtotal_cents,
        final_unit_price_cents=order.subtotal_cents,
        total_cents=order.subtotal_cents,
    )


def _guest_order(email: str, **fields) -> Order:
    return paid_order(
        customer_email=email,
        customer_name="Gita Guest",
        status=OrderStatus.COMPLETED,
        subtotal_cents=1_499,
        total_cents=1_499,
        paddle_customer_id="ctm_GITA",
        **fields,
    )


def _abandoned(**fields) -> Order:
    return OrderFactory.create(
        status=OrderStatus.EXPIRED,
        payment_status=PaymentStatus.PENDING,
        reservation=Reservation.RELEASED,
        customer_email="walked.away@example.com",
        **fields,
    )


def build_world() -> World:
    now = timezone.now() + LATER
    recent = now - timedelta(days=10)

    customer = customer_with_one_of_everything(UserFactory.create(email="tia@example.com"))
    WebhookLog.objects.update(processed=True)  # applied long ago

    guest = _guest_order("gita@example.com", paddle_transaction_id="txn_GITA")
    guest_item = _item(guest)
    guest_esim = EsimProfile.objects.create(
        order=guest,
        order_item=guest_item,
        profile_index=1,
        esim_tran_no="T-GITA-1",
        iccid="8988000000000GITA",
        esim_status="expired",
    )
    guest_email = EmailLog.objects.create(
        order=guest, to_email=guest.customer_email, template_name="esim_delivery", status="sent"
    )
    guest_promo_use = DiscountCodeUsageFactory.create(
        discount=DiscountCodeFactory.create(code="BALI10"),
        order_id=guest.pk,
        guest_email=guest.customer_email,
        status="used",
        discount_amount_cents=150,
    )
    guest_payment = WebhookLog.objects.create(
        source=WebhookLog.Source.PADDLE,
        event_id="evt_GITA_unprocessed",
        event_type="transaction.updated",
        order=guest,
        payload={"data": {"id": "txn_GITA", "customer_id": "ctm_GITA"}},
    )
    recent_guest = _guest_order("rani@example.com", created_at=recent)

    abandoned = _abandoned()
    _item(abandoned)
    abandoned_email = EmailLog.objects.create(
        order=abandoned, to_email=abandoned.customer_email, template_name="order_confirmation"
    )
    abandoned_promo_use = DiscountCodeUsageFactory.create(
        order_id=abandoned.pk, guest_email=abandoned.customer_email, status="released"
    )
    flagged_unpaid = _abandoned(needs_review=True, review_reason="Paid 5 cents less")
    pending = OrderFactory.create(customer_email="slow.payer@example.com")
    recent_abandoned = _abandoned(created_at=recent)

    unprocessed_webhook = WebhookLog.objects.create(
        source=WebhookLog.Source.ESIM_ACCESS,
        event_id="evt_stuck",
        event_type="ORDER_STATUS",
        payload={},
        processed=False,
    )
    recent_webhook = WebhookLog.objects.create(
        source=WebhookLog.Source.PADDLE,
        event_id="evt_recent",
        event_type="transaction.completed",
        payload={"data": {"customer_id": "ctm_NEW"}},
        processed=True,
        created_at=recent,
    )
    orphan_email = EmailLog.objects.create(to_email="gone@example.com", template_name="x")
    recent_orphan_email = EmailLog.objects.create(
        to_email="fresh@example.com", template_name="x", created_at=recent
    )

    user_type = ContentType.objects.get_for_model(User)
    erasure_record = AdminAuditEntry.objects.create(
        actor_email="",
        action=AdminAuditEntry.Action.ACTION,
        action_name=ERASE_ACTION,
        content_type=user_type,
        object_id="42",
        object_repr="Erased customer 42",
    )
    recent_audit = AdminAuditEntry.objects.create(
        actor_email="manager@hiroam.local",
        action=AdminAuditEntry.Action.CHANGE,
        content_type=user_type,
        object_id=str(customer.user.pk),
        object_repr=customer.user.email,
        created_at=recent,
    )
    LogEntry.objects.create(
        user=customer.user,
        content_type=user_type,
        object_id=str(customer.user.pk),
        object_repr=customer.user.email,
        action_flag=CHANGE,
    )
    old_notice = PointsExpiryNotice.objects.create(
        user=customer.user, expires_on=timezone.now().date(), points=10, status="sent"
    )
    SyncRun.objects.create(status=SyncRun.Status.SUCCEEDED)
    recent_sync = SyncRun.objects.create(status=SyncRun.Status.SUCCEEDED, started_at=recent)
    RefundRun.objects.create(trigger=RefundRun.Trigger.SCHEDULE)
    recent_refund_run = RefundRun.objects.create(
        trigger=RefundRun.Trigger.SCHEDULE, started_at=recent
    )
    recent_view, running_assignment = _experiments(now, recent)
    return World(
        now=now,
        customer=customer,
        guest=guest,
        guest_item=guest_item,
        guest_esim=guest_esim,
        guest_email=guest_email,
        guest_promo_use=guest_promo_use,
        guest_payment=guest_payment,
        recent_guest=recent_guest,
        abandoned=abandoned,
        abandoned_email=abandoned_email,
        abandoned_promo_use=abandoned_promo_use,
        flagged_unpaid=flagged_unpaid,
        pending=pending,
        recent_abandoned=recent_abandoned,
        unprocessed_webhook=unprocessed_webhook,
        recent_webhook=recent_webhook,
        orphan_email=orphan_email,
        recent_orphan_email=recent_orphan_email,
        erasure_record=erasure_record,
        recent_audit=recent_audit,
        old_notice=old_notice,
        recent_sync=recent_sync,
        recent_refund_run=recent_refund_run,
        recent_view=recent_view,
        running_assignment=running_assignment,
    )


def _experiments(now: datetime, recent: datetime) -> tuple[ExperimentView, ExperimentAssignment]:
    """A completed experiment (long ago) and a running one, each with a visitor's variant and
    views of a long time ago and of lately."""
    finished = running_experiment(
        name="Finished", status="completed", completed_at=now - timedelta(days=100)
    )
    running = running_experiment(name="Running")
    views = []
    for experiment in (finished, running):
        variant = experiment.variants.get(is_control=True)
        ExperimentAssignment.objects.create(
            experiment=experiment, variant=variant, visitor="g:old-visitor-0000000"
        )
        for day in (now - timedelta(days=40), recent):
            views.append(
                ExperimentView.objects.create(
                    experiment=experiment,
                    variant=variant,
                    visitor="g:old-visitor-0000000",
                    day=day.date(),
                )
            )
    return views[-1], ExperimentAssignment.objects.get(experiment=running)
