"""Reads for checkout: a cart priced now, and whether a customer has bought before."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet

from accounts.models import User, normalize_email_address
from catalog.availability import availability
from catalog.models import EsimPackage
from catalog.price_display import EVERYONE, Audience
from catalog.selectors import packages_by_key
from hiroam.api.errors import BusinessRuleError, DomainError, ErrorCode
from orders.models import Order, OrderStatus
from pricing import engine
from pricing.prices import order_lines


@dataclass(frozen=True)
class CartItem:
    package_key: str  # the package's id or slug, as the catalogue answers them
    quantity: int


@dataclass(frozen=True)
class PricedCart:
    lines: list[engine.Line]  # one per package, priced at one moment
    packages: dict[str, EsimPackage]  # by the lines' package_id

    def package_of(self, line: engine.Line) -> EsimPackage:
        return self.packages[line.package_id]


def priced_cart(
    items: Sequence[CartItem], now: datetime, audience: Audience = EVERYONE
) -> PricedCart:
    """The cart as order lines priced at `now` as `audience` is shown them, one per package
    (a package named twice, by id or by slug, is one line with the quantities added), in the
    order first named. Refuses a package that does not exist (INVALID_PACKAGE), cannot be
    bought now (PACKAGE_UNAVAILABLE), more of it than one order may hold (INVALID_QUANTITY) or
    than is in stock (INSUFFICIENT_STOCK). Three queries at most, however many items."""
    found = packages_by_key([item.package_key for item in items])
    packages: dict[Any, EsimPackage] = {}
    quantities: dict[Any, int] = {}
    for item in items:
        package = found.get(item.package_key)
        if package is None:
            raise DomainError(
                "No such package.",
                code=ErrorCode.INVALID_PACKAGE,
                details={"packageId": item.package_key},
            )
        packages.setdefault(package.pk, package)
        quantities[package.pk] = quantities.get(package.pk, 0) + item.quantity
    for pk, package in packages.items():
        _check_can_buy(package, quantities[pk], now)
    lines = order_lines(
        [(package, quantities[pk]) for pk, package in packages.items()], now, audience
    )
    return PricedCart(lines, {str(pk): package for pk, package in packages.items()})


def _check_can_buy(package: EsimPackage, quantity: int, now: datetime) -> None:
    status = availability(package, now)
    details = {"packageId": str(package.pk)}
    if not status.is_purchasable:
        raise BusinessRuleError(
            status.reason,
            code=ErrorCode.PACKAGE_UNAVAILABLE,
            details={**details, "reasonCode": status.reason_code},
        )
    if quantity > package.max_per_order:
        raise DomainError(
            f"At most {package.max_per_order} of this package per order.",
            code=ErrorCode.INVALID_QUANTITY,
            details={**details, "maxPerOrder": package.max_per_order},
        )
    if status.stock_remaining is not None and quantity > status.stock_remaining:
        raise BusinessRuleError(
            f"Only {status.stock_remaining} left in stock.",
            code=ErrorCode.INSUFFICIENT_STOCK,
            details={**details, "stockRemaining": status.stock_remaining},
        )


PAID_STATUSES = (OrderStatus.PAID, OrderStatus.PROCESSING, OrderStatus.COMPLETED)


def has_completed_purchase(*, user: User | None, email: str) -> bool:
    """Whether this customer (signed in as `user`, or buying under `email`, or the user's own
    email) has paid for an order before; first-purchase-only codes are refused to them."""
    emails = {normalize_email_address(email)}
    customer = Q(customer_email__in=emails)
    if user is not None:
        emails.add(normalize_email_address(user.email))
        customer = Q(user=user) | Q(customer_email__in=emails)
    return Order.objects.filter(customer, status__in=PAID_STATUSES).exists()


def orders_for_customer(user: User, *, status: str | None = None) -> QuerySet[Order]:
    """A signed-in customer's own orders, newest first, with their items (two queries a page)."""
    orders = Order.objects.filter(user=user).prefetch_related("items", "profiles")
    return orders.filter(status=status) if status else orders


def order_for_viewer(order_id: Any, *, user: User | None, token: str | None) -> Order | None:
    """The order if this viewer may see it: its owner signed in, or anyone holding its access
    token. Anyone else gets None, exactly as for an order that does not exist."""
    try:
        order = Order.objects.prefetch_related("items", "profiles").filter(pk=order_id).first()
    except (ValueError, ValidationError):
        return None
    if order is None:
        return None
    if user is not None and order.user_id == user.pk:
        return order
    return order if token and order.opens_with(token) else None


def orders_about_customer(user: User) -> QuerySet[Order]:
    """Every order that is this customer's data (for their export and erasure): those on their
    account and, once they have proved the email theirs, guest orders placed under it since
    (verifying linked the earlier ones). Before that, guest orders under the email may be
    someone else's, and stay out."""
    customer = Q(user=user)
    if user.email_verified_at is not None:
        customer |= Q(user__isnull=True, customer_email=normalize_email_address(user.email))
    return Order.objects.filter(customer)
