"""A small shop history written straight into the tables the analytics refresh reads: orders
with their lines and eSIMs, refunds, sign-ups, first touches and points, at chosen moments."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from accounts.models import FirstTouch, User
from catalog.models import EsimPackage
from orders.models import (
    EsimProfile,
    EsimStatus,
    Order,
    OrderItem,
    OrderStatus,
    PaymentStatus,
    SmdpStatus,
)
from points.models import PointsTransaction
from tests.catalog.factories import PackageFactory

_numbers = count(1)


def at(day: str, hour: int = 12) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, tzinfo=UTC)


def package(code: str, country: str = "JP", region: str = "asia", **fields: Any) -> EsimPackage:
    names = {"JP": "Japan", "TH": "Thailand", "FR": "France", "DE": "Germany"}
    return PackageFactory.create(
        package_code=code,
        name=code,
        location_codes=[country],
        location_names={country: names.get(country, country)},
        region=region,
        **fields,
    )


@dataclass(frozen=True)
class Line:
    package: EsimPackage
    quantity: int = 1
    unit: int = 1000  # list price per unit, minor units
    product_discount: int = 0  # per unit
    code_share: int = 0
    points_share: int = 0
    schedule: uuid.UUID | None = None

    @property
    def total(self) -> int:
        return (self.unit - self.product_discount) * self.quantity


def checkout(
    *lines: Line,
    created: datetime,
    paid: datetime | None = None,
    refunded: datetime | None = None,
    currency: str = "USD",
    email: str = "ana@example.com",
    user: User | None = None,
    source: str = "",
    referrer: str = "",
    code: Any = None,
    installed: int = 0,
    changed: datetime | None = None,
) -> Order:
    """An order as the shop leaves it: unpaid (no `paid`), paid and delivered, or refunded.
    `installed`: how many of its eSIMs were installed. `changed`: its updated_at (else the
    latest of its moments)."""
    subtotal = sum(line.unit * line.quantity for line in lines)
    product = sum(line.product_discount * line.quantity for line in lines)
    code_cents = sum(line.code_share for line in lines)
    points_cents = sum(line.points_share for line in lines)
    status, payment, esim = OrderStatus.EXPIRED, PaymentStatus.PENDING, EsimStatus.PENDING
    if paid:
        status, payment, esim = OrderStatus.COMPLETED, PaymentStatus.COMPLETED, EsimStatus.DELIVERED
    if refunded:
        status, payment = OrderStatus.REFUNDED, PaymentStatus.REFUNDED
    order = Order.objects.create(
        order_number=f"ORD-T-{next(_numbers):06d}",
        user=user,
        customer_email=user.email if user else email,
        currency_code=currency,
        subtotal_cents=subtotal,
        product_discount_cents=product,
        code_discount_cents=code_cents,
        points_discount_cents=points_cents,
        total_discount_cents=product + code_cents + points_cents,
        total_cents=subtotal - product - code_cents - points_cents,
        discount_code=code,
        pricing_breakdown={},
        priced_at=created,
        status=status,
        payment_status=payment,
        esim_status=esim,
        access_token_hash="0" * 64,
        utm_source=source,
        referrer_host=referrer,
        created_at=created,
        expires_at=created + timedelta(minutes=30),
        paid_at=paid,
        refunded_at=refunded,
    )
    units = 0
    for line in lines:
        item = OrderItem.objects.create(
            order=order,
            package=line.package,
            package_code=line.package.package_code,
            package_name=line.package.name,
            quantity=line.quantity,
            unit_price_cents=line.unit,
            product_discount_cents=line.product_discount,
            final_unit_price_cents=line.unit - line.product_discount,
            total_cents=line.total,
            code_discount_cents=line.code_share,
            points_discount_cents=line.points_share,
            price_schedule_id=line.schedule,
        )
        for index in range(1, line.quantity + 1 if paid else 1):
            units += 1
            EsimProfile.objects.create(
                order=order,
                order_item=item,
                profile_index=index,
                esim_tran_no=f"T{order.order_number}-{units}",
                smdp_status=SmdpStatus.INSTALLED if units <= installed else SmdpStatus.RELEASED,
                installed_at=paid if units <= installed else None,
            )
    moments = [moment for moment in (created, paid, refunded) if moment]
    touch(order, changed or max(moments))
    return order


def touch(order: Order, when: datetime) -> None:
    """The order's (and its eSIMs') last change was at `when`."""
    Order.objects.filter(pk=order.pk).update(updated_at=when)
    EsimProfile.objects.filter(order=order).update(updated_at=when)


def sign_up(email: str, joined: datetime) -> User:
    return User.objects.create_user(email, "x" * 12, date_joined=joined)


def first_touch(email: str, source: str, when: datetime) -> FirstTouch:
    return FirstTouch.objects.create(
        email_hash=hashlib.md5(email.lower().encode(), usedforsecurity=False).hexdigest(),
        utm_source=source,
        recorded_at=when,
        recorded_by="checkout",
    )


def points(user: User, amount: int, kind: str, when: datetime, balance: int) -> None:
    PointsTransaction.objects.create(
        user=user, kind=kind, points=amount, balance_after=balance, reason=kind, created_at=when
    )
