"""Checkout: the server prices the cart at one moment, holds what the order consumes, and
opens a Paddle transaction at exactly that price.

1. Price the cart (every package purchasable, quantities within limits) — reads only.
2. One transaction: hold limited stock, the promo code's use and the points the customer
   redeems under row locks (in that order), write the order, its items (the price snapshot)
   and the engine's breakdown.
3. Outside any transaction (a slow provider holds no locks): create the Paddle transaction
   with our prices as non-catalog items and the order in `custom_data`. If Paddle cannot be
   reached, the order fails, what it held is released, and the client is told to retry.
"""

from __future__ import annotations

import logging
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction

from accounts.acquisition import Touch, record_first_touch
from accounts.models import TouchRecordedBy, User, normalize_email_address
from hiroam.api.errors import DomainError, ErrorCode
from hiroam.integrations.errors import ProviderError
from hiroam.integrations.paddle import paddle_client
from hiroam.integrations.paddle.results import CheckoutItem
from hiroam.observability import metrics
from orders.emails import queue_order_confirmation
from orders.models import Order, OrderItem, OrderStatus, access_token_for, hash_access_token
from orders.selectors import CartItem, PricedCart, has_completed_purchase, priced_cart
from orders.services import reservations
from orders.states import ORDER, advance
from pricing import engine
from pricing.experiments.audience import audience_for
from pricing.models import DiscountCode, DiscountCodeUsage
from pricing.promo_codes import engine_promo_code, validate_promo_code

logger = logging.getLogger(__name__)

ORDER_NUMBER_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read over the phone
PADDLE_RETRY_AFTER_SECONDS = 30


class PaymentProviderUnavailable(DomainError):
    code = ErrorCode.PADDLE_ERROR
    status_code = 503
    message = "Payment is unavailable right now. Please try again in a moment."


@dataclass(frozen=True)
class Checkout:
    order: Order
    access_token: str  # the guest's secret link to the order; only its hash is stored


def new_order_number(now: datetime) -> str:
    suffix = "".join(secrets.choice(ORDER_NUMBER_ALPHABET) for _ in range(5))
    return f"ORD-{now:%Y%m%d}-{suffix}"


def create_checkout(
    *,
    items: Sequence[CartItem],
    email: str,
    name: str,
    code: str | None,
    user: User | None,
    now: datetime,
    points: int = 0,
    touch: Touch | None = None,
    visitor: str | None = None,
) -> Checkout:
    """`points`: at most this many of the signed-in customer's points pay part of the order
    (see `points_offer` for how much they may). `touch`: where the customer came from, kept
    on the order and, if the customer has none yet, as their first touch (None: direct).
    `visitor`: who price experiments know the customer as (accounts.visitors): the cart is
    priced with their variants, exactly as they were shown it."""
    if points and user is None:
        raise DomainError(
            "Sign in to pay with points.", code=ErrorCode.UNAUTHORIZED, status_code=401
        )
    cart = priced_cart(items, now, audience_for(visitor, now))
    checkout = _place_order(
        cart,
        visitor=visitor or "",
        email=email,
        name=name,
        code=code,
        user=user,
        points=points,
        touch=touch or Touch(),
        now=now,
    )
    _open_payment(checkout.order)
    queue_order_confirmation(checkout.order)
    metrics.increment(metrics.CHECKOUTS_CREATED)
    return checkout


def points_offer(points: int) -> engine.PointsOffer:
    """The redemption rule: POINTS_REDEMPTION_POINTS_PER_DOLLAR points take a dollar off,
    up to POINTS_REDEMPTION_MAX_SHARE_BPS of what is left to pay after the promo code."""
    return engine.PointsOffer(
        points=points,
        points_per_dollar=settings.POINTS_REDEMPTION_POINTS_PER_DOLLAR,
        max_share_bps=settings.POINTS_REDEMPTION_MAX_SHARE_BPS,
    )


def _place_order(
    cart: PricedCart,
    *,
    email: str,
    name: str,
    code: str | None,
    user: User | None,
    points: int,
    touch: Touch,
    visitor: str,
    now: datetime,
) -> Checkout:
    email = normalize_email_address(email)
    for _attempt in range(3):  # an order number drawn twice (1 in 33 million a day) retries
        try:
            with transaction.atomic():
                order = _write_order(cart, email, name, code, user, points, touch, visitor, now)
                # Last, once every row lock is held: a concurrent checkout of the same person
                # waits here only for this transaction's end, never in a lock cycle. The person
                # is the account when signed in (whatever address the order is sent to).
                person = user.email if user is not None else email
                record_first_touch(person, touch, by=TouchRecordedBy.CHECKOUT, now=now)
                return Checkout(order, access_token_for(order.pk))
        except IntegrityError as error:
            if "order_number" not in str(error):
                raise
    raise DomainError("Could not number the order; please try again.", status_code=503)


def _write_order(
    cart: PricedCart,
    email: str,
    name: str,
    code: str | None,
    user: User | None,
    points: int,
    touch: Touch,
    visitor: str,
    now: datetime,
) -> Order:
    quantities = {line.package_id: line.quantity for line in cart.lines}
    reservations.hold_stock(quantities)  # packages, the code, then the points: one lock order
    discount: DiscountCode | None = None
    if code and code.strip():
        # Locked for the rest of the transaction: its uses (and this customer's) are counted
        # and held by one checkout at a time.
        DiscountCode.objects.select_for_update().filter(code__iexact=code.strip()).first()
        validated = validate_promo_code(
            code=code,
            lines=cart.lines,
            email=email,
            user=user,
            has_purchased_before=has_completed_purchase(user=user, email=email),
            now=now,
        )
        discount = validated.discount
        reservations.hold_code_use(discount)
    if user is not None and points:
        # At most what the customer has free now (locked until this commits): an app that
        # shows a stale balance gets what is left, not an error.
        points = min(points, reservations.points_available(user_id=user.pk))
    total = engine.order_total(
        cart.lines,
        engine_promo_code(discount) if discount else None,
        points_offer(points) if points else None,
    )
    if user is not None:
        reservations.hold_points(user_id=user.pk, points=total.points_redeemed)
    order_id = uuid.uuid4()
    order = Order.objects.create(
        id=order_id,
        order_number=new_order_number(now),
        user=user,
        customer_email=email,
        customer_name=name.strip(),
        subtotal_cents=total.subtotal_cents,
        product_discount_cents=total.product_discount_cents,
        code_discount_cents=total.code_discount_cents,
        points_discount_cents=total.points_discount_cents,
        total_discount_cents=total.total_discount_cents,
        total_cents=total.total_cents,
        points_redeemed=total.points_redeemed,
        discount_code=discount,
        discount_code_used=discount.code if discount else "",
        pricing_breakdown=total.breakdown(),
        priced_at=now,
        access_token_hash=hash_access_token(access_token_for(order_id)),
        utm_source=touch.source,
        utm_medium=touch.medium,
        utm_campaign=touch.campaign,
        referrer_host=touch.referrer_host,
        visitor=visitor,
        created_at=now,
        expires_at=now + timedelta(minutes=settings.ORDER_PAYMENT_WINDOW_MINUTES),
    )
    OrderItem.objects.bulk_create(
        OrderItem(
            order=order,
            package=cart.package_of(line.line),
            package_code=cart.package_of(line.line).package_code,
            package_name=cart.package_of(line.line).title[:255],
            quantity=line.line.quantity,
            unit_price_cents=line.line.unit_price_cents,
            product_discount_cents=min(line.line.unit_discount_cents, line.line.unit_price_cents),
            final_unit_price_cents=line.line.unit_price_cents
            - min(line.line.unit_discount_cents, line.line.unit_price_cents),
            total_cents=line.subtotal_cents - line.product_discount_cents,
            code_discount_cents=line.code_discount_cents,
            points_discount_cents=line.points_discount_cents,
            schedule_name=line.line.schedule_name,
            price_schedule_id=line.line.schedule_id or None,
            experiment_id=line.line.variant.experiment_id if line.line.variant else None,
            experiment_variant_id=line.line.variant.id if line.line.variant else None,
            created_at=now,
        )
        for line in total.lines
    )
    if discount is not None:
        DiscountCodeUsage.objects.create(
            discount=discount,
            order_id=order.pk,
            user=user,
            guest_email=email,
            discount_amount_cents=total.code_discount_cents,
            order_total_cents=total.total_cents,
            status=DiscountCodeUsage.Status.RESERVED,
            used_at=now,
        )
    return order


def _open_payment(order: Order) -> None:
    items = [
        CheckoutItem(
            name=item.package_name + (f" x {item.quantity}" if item.quantity > 1 else ""),
            description=f"{order.order_number}: {item.package_code}",
            # One Paddle line per item at what the customer pays for it: the code's share
            # need not divide evenly by the quantity, and the lines add up to the order total.
            unit_price_cents=item.amount_paid_cents,
            quantity=1,
        )
        for item in order.items.all()
    ]
    try:
        paddle = paddle_client().create_transaction(
            items=items,
            custom_data={"order_id": str(order.pk), "order_number": order.order_number},
        )
    except ProviderError as error:
        logger.warning("Paddle refused or unreachable for %s: %s", order.order_number, error)
        fail_checkout(order, reason=f"Paddle could not be reached: {error}")
        raise PaymentProviderUnavailable(retry_after_seconds=PADDLE_RETRY_AFTER_SECONDS) from error
    except Exception:  # a bug or our own infrastructure: still no order left holding stock
        fail_checkout(order, reason="Could not open the payment (unexpected error).")
        raise
    if not (paddle.id and paddle.checkout_url):
        # e.g. no default payment link set in Paddle: an order nobody could pay.
        logger.error("Paddle gave no checkout link for %s (%s)", order.order_number, paddle.id)
        fail_checkout(order, reason="Paddle gave no checkout link (set a default payment link).")
        raise PaymentProviderUnavailable(retry_after_seconds=PADDLE_RETRY_AFTER_SECONDS)
    Order.objects.filter(pk=order.pk).update(
        paddle_transaction_id=paddle.id, paddle_checkout_url=paddle.checkout_url
    )
    order.paddle_transaction_id, order.paddle_checkout_url = paddle.id, paddle.checkout_url


def fail_checkout(order: Order, *, reason: str) -> None:
    """The order cannot be paid (no payment could be opened): failed, and its holds released."""
    with transaction.atomic():
        locked = Order.objects.select_for_update().get(pk=order.pk)
        advance(locked, ORDER, OrderStatus.FAILED)
        reservations.release(locked)
        locked.payment_failure_reason = reason[:255]
        locked.save(update_fields=["status", "reservation", "payment_failure_reason", "updated_at"])
