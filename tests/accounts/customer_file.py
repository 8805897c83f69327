"""A customer with one of every kind of data we hold about people, for the data-rights tests."""

from dataclasses import dataclass
from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from accounts.models import AdminAuditEntry, CustomerProfile, User
from orders.models import (
    EmailLog,
    EsimProfile,
    Order,
    OrderItem,
    OrderStatus,
    PaymentRefund,
    WebhookLog,
)
from orders.services.points_handoff import credit_points_for
from points.models import Customer, PointsExpiryNotice, PointsTransaction
from pricing.models import DiscountCodeUsage
from tests.catalog.factories import PackageFactory
from tests.orders.factories import paid_order
from tests.pricing.factories import DiscountCodeFactory, DiscountCodeUsageFactory

ACTIVATION_CODE = "LPA:1$smdp.example.com$TIA-SECRET-CODE"


@dataclass
class CustomerFile:
    user: User
    order: Order
    item: OrderItem
    esim: EsimProfile
    email: EmailLog
    promo_use: DiscountCodeUsage
    refund: PaymentRefund
    expiry_notice: PointsExpiryNotice


def customer_with_one_of_everything(user: User, *, tag: str = "TIA") -> CustomerFile:
    """A verified customer with a phone and preferences, one completed order (an item, an eSIM
    with its ICCID and activation code, a refund Paddle rejected), the email about it, a promo
    code use, the points the order earned and a points expiry notice."""
    now = timezone.now()
    User.objects.filter(pk=user.pk).update(phone="+62 812 3456 7890", email_verified_at=now)
    user.refresh_from_db()
    order = paid_order(
        user=user,
        customer_email=user.email,
        customer_name=user.full_name,
        status=OrderStatus.COMPLETED,
        subtotal_cents=999,
        total_cents=999,
        paddle_transaction_id=f"txn_{tag}",
        paddle_customer_id=f"ctm_{tag}",
        completed_at=now,
    )
    package = PackageFactory.create()
    item = OrderItem.objects.create(
        order=order,
        package=package,
        package_code=package.package_code,
        package_name="Japan 5GB 30 days",
        quantity=1,
        unit_price_cents=999,
        final_unit_price_cents=999,
        total_cents=999,
    )
    esim = EsimProfile.objects.create(
        order=order,
        order_item=item,
        profile_index=1,
        esim_tran_no=f"T-{tag}-1",
        iccid=f"89880000000000{tag}",
        sm_dp_address="smdp.example.com",
        activation_code=ACTIVATION_CODE,
        manual_code=ACTIVATION_CODE,
        esim_status="got_resource",
        smdp_status="released",
    )
    email = EmailLog.objects.create(
        order=order, to_email=user.email, template_name="esim_delivery", status="sent", sent_at=now
    )
    promo_use = DiscountCodeUsageFactory.create(
        discount=DiscountCodeFactory.create(code=f"WELCOME-{tag}"),
        order_id=order.pk,
        user=user,
        guest_email=user.email,
        status="used",
    )
    refund = PaymentRefund.objects.create(
        order=order,
        status=PaymentRefund.Status.REJECTED,
        reason=f"Asked by {user.email}: eSIM not needed",
        decided_at=now,
    )
    credit_points_for(order)  # 99 points and the first-purchase bonus, on the profile
    CustomerProfile.objects.filter(user=user).update(preferred_currency="IDR")
    notice = PointsExpiryNotice.objects.create(
        user=user, expires_on=(now + timedelta(days=20)).date(), points=149, status="sent"
    )
    WebhookLog.objects.create(
        source=WebhookLog.Source.PADDLE,
        event_id=f"evt_{tag}",
        event_type="transaction.completed",
        order=order,
        payload={
            "event_id": f"evt_{tag}",
            "event_type": "transaction.completed",
            "data": {
                "id": f"txn_{tag}",
                "status": "completed",
                "customer_id": f"ctm_{tag}",
                "address_id": f"add_{tag}",
                "details": {"totals": {"subtotal": "999", "total": "999"}},
                "payments": [
                    {"method_details": {"card": {"cardholder_name": user.full_name, "last4": "42"}}}
                ],
            },
        },
    )
    _staff_changes_about(user, order)
    return CustomerFile(user, order, item, esim, email, promo_use, refund, notice)


def _staff_changes_about(user: User, order: Order) -> None:
    """Audit entries staff actions left: on the order (its snapshot names the customer), on the
    customer's points console entry (titled with their email) and on a ledger row (a note)."""
    ledger_row = PointsTransaction.objects.filter(user=user).first()
    assert ledger_row is not None
    for obj, title, values in (
        (
            order,
            order.order_number,
            {"customer_email": user.email, "customer_name": user.full_name},
        ),
        (Customer.objects.get(user=user), user.email, {"points_balance": 149}),
        (ledger_row, str(ledger_row), {"note": f"goodwill for {user.full_name}"}),
    ):
        AdminAuditEntry.objects.create(
            actor_email="manager@hiroam.local",
            action="action",
            content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
            object_id=str(obj.pk),
            object_repr=title,
            new_values=values,
        )
