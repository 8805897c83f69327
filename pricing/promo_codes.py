"""Promo codes at checkout: may this customer use this code on this cart, and what does it take
off (plan section 5.3). Only reads: checking a code never records a use or changes a count.

The checks run in the order `Refusal` lists them, and the first that fails answers with a
stable error code, the plan's message (ours where the plan has none) and `details.reason` for
clients to branch on. That is the plan's order, with two differences: the first-purchase rule
(not in the plan's function) sits beside the registered-only one, and the engine's verdicts on
the cart (which packages the code covers, whether it stacks) come after the per-customer limit,
where the plan checks stacking before it: no customer is sent to change a cart for a code they
may not use at all.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from django.db.models import Q

from accounts.models import User, normalize_email_address
from hiroam.api.errors import DomainError, ErrorCode
from pricing import engine
from pricing.models import DiscountCode, DiscountCodeUsage


class Refusal(StrEnum):
    """Why a code may not be used, in the order the rules are checked."""

    NOT_FOUND = "not_found"
    INACTIVE = "inactive"
    NOT_ACTIVE_YET = "not_active_yet"
    EXPIRED = "expired"
    USAGE_LIMIT = "usage_limit"
    MINIMUM_PURCHASE = "minimum_purchase"
    REGISTERED_ONLY = "registered_only"
    FIRST_PURCHASE_ONLY = "first_purchase_only"
    ALREADY_USED = "already_used"
    NOT_APPLICABLE = "not_applicable"
    NOT_COMBINABLE = "not_combinable"
    NOTHING_TO_DISCOUNT = "nothing_to_discount"


_REFUSALS: dict[Refusal, tuple[ErrorCode, int, str]] = {
    Refusal.NOT_FOUND: (ErrorCode.INVALID_DISCOUNT, 400, "Invalid discount code"),
    Refusal.INACTIVE: (ErrorCode.INVALID_DISCOUNT, 400, "This code is no longer active"),
    Refusal.NOT_ACTIVE_YET: (ErrorCode.INVALID_DISCOUNT, 400, "This code is not yet active"),
    Refusal.EXPIRED: (ErrorCode.DISCOUNT_EXPIRED, 422, "This code has expired"),
    Refusal.USAGE_LIMIT: (
        ErrorCode.DISCOUNT_LIMIT_REACHED,
        422,
        "This code has reached its usage limit",
    ),
    Refusal.MINIMUM_PURCHASE: (ErrorCode.INVALID_DISCOUNT, 400, "Minimum purchase of {} required"),
    Refusal.REGISTERED_ONLY: (
        ErrorCode.INVALID_DISCOUNT,
        400,
        "This code is for registered users only",
    ),
    Refusal.FIRST_PURCHASE_ONLY: (
        ErrorCode.INVALID_DISCOUNT,
        400,
        "This code is for a first purchase only",
    ),
    Refusal.ALREADY_USED: (
        ErrorCode.DISCOUNT_LIMIT_REACHED,
        422,
        "You have already used this code",
    ),
    Refusal.NOT_APPLICABLE: (
        ErrorCode.INVALID_DISCOUNT,
        400,
        "This code does not apply to these packages",
    ),
    Refusal.NOT_COMBINABLE: (
        ErrorCode.INVALID_DISCOUNT,
        400,
        "This code cannot be combined with other discounts",
    ),
    Refusal.NOTHING_TO_DISCOUNT: (
        ErrorCode.INVALID_DISCOUNT,
        400,
        "This code takes nothing off this order",
    ),
}

# The engine's reasons for taking nothing off, as refusals.
_ENGINE_REFUSALS = {
    engine.CODE_NOT_APPLICABLE: Refusal.NOT_APPLICABLE,
    engine.CODE_NOT_COMBINABLE: Refusal.NOT_COMBINABLE,
    engine.CODE_NOTHING_LEFT: Refusal.NOTHING_TO_DISCOUNT,
}


class PromoCodeRefusedError(DomainError):
    """A code this customer may not use on this cart, and why."""

    def __init__(self, reason: Refusal, *message_args: str, **details: Any) -> None:
        code, status_code, message = _REFUSALS[reason]
        super().__init__(
            message.format(*message_args),
            code=code,
            status_code=status_code,
            details={"reason": str(reason), **details},
        )
        self.reason = reason


@dataclass(frozen=True)
class ValidatedCode:
    """A code that may be used on the cart, and the cart's total with it."""

    discount: DiscountCode
    total: engine.OrderTotal

    @property
    def discount_cents(self) -> int:
        return self.total.code_discount_cents


def usd_label(cents: int) -> str:
    """$20.00, as the plan writes amounts in its messages."""
    return f"${cents // 100}.{cents % 100:02d}"


def find_code(code: str) -> DiscountCode | None:
    """The code as a customer typed it: surrounding spaces and case do not matter."""
    return DiscountCode.objects.filter(code__iexact=code.strip()).first()


def engine_promo_code(discount: DiscountCode) -> engine.PromoCode:
    return engine.PromoCode(
        code=discount.code,
        kind=engine.DiscountKind(discount.discount_type),
        value=discount.discount_value,
        max_discount_cents=discount.max_discount_cents,
        stackable_with_product_discount=discount.stackable_with_product_discount,
        # An emptied list in Admin means what a blank one means: every package.
        applicable_package_ids=(
            frozenset(str(package_id) for package_id in discount.applicable_packages)
            if discount.applicable_packages
            else None
        ),
        excluded_package_ids=frozenset(
            str(package_id) for package_id in discount.excluded_packages
        ),
    )


def uses_by_customer(discount: DiscountCode, *, user: User | None, email: str) -> int:
    """How often this customer has used the code: as the signed-in user, or under the email
    given or the user's own, signed in or not (signing out does not buy another use)."""
    emails = {normalize_email_address(email)}
    customer = Q()
    if user is not None:
        emails.add(normalize_email_address(user.email))
        customer |= Q(user=user)
    # A use recorded under an account counts for that account's email too (and the other way).
    customer |= Q(guest_email__in=emails) | Q(user__email__in=emails)
    # Held by an unpaid checkout counts too: two checkouts at once cannot both take the last use.
    held = DiscountCodeUsage.objects.filter(customer, discount=discount).exclude(
        status=DiscountCodeUsage.Status.RELEASED
    )
    return held.count()


def validate_promo_code(
    *,
    code: str,
    lines: Sequence[engine.Line],
    email: str,
    user: User | None,
    has_purchased_before: bool,
    now: datetime,
) -> ValidatedCode:
    """The cart's total with `code`, or PromoCodeRefusedError saying why it may not be used.
    `lines` are priced at `now` (pricing.prices.order_lines); `user` is None for a guest."""
    discount = find_code(code)
    if discount is None:
        raise PromoCodeRefusedError(Refusal.NOT_FOUND)
    if not discount.is_active:
        raise PromoCodeRefusedError(Refusal.INACTIVE)
    if discount.starts_at > now:
        raise PromoCodeRefusedError(Refusal.NOT_ACTIVE_YET)
    # Over at its end, like every window in the shop.
    if discount.expires_at is not None and discount.expires_at <= now:
        raise PromoCodeRefusedError(Refusal.EXPIRED)
    taken = discount.current_uses + discount.reserved_uses  # paid, and held by unpaid checkouts
    if discount.max_uses is not None and taken >= discount.max_uses:
        raise PromoCodeRefusedError(Refusal.USAGE_LIMIT)

    total = engine.order_total(lines, engine_promo_code(discount))
    # The plan applies a code to the subtotal after product discounts: judge the minimum on it.
    payable_cents = total.subtotal_cents - total.product_discount_cents
    if payable_cents < discount.min_purchase_cents:
        raise PromoCodeRefusedError(
            Refusal.MINIMUM_PURCHASE,
            usd_label(discount.min_purchase_cents),
            minPurchaseCents=discount.min_purchase_cents,
        )
    if discount.authenticated_only and user is None:
        raise PromoCodeRefusedError(Refusal.REGISTERED_ONLY)
    if discount.first_purchase_only and has_purchased_before:
        raise PromoCodeRefusedError(Refusal.FIRST_PURCHASE_ONLY)
    if uses_by_customer(discount, user=user, email=email) >= discount.max_uses_per_user:
        raise PromoCodeRefusedError(Refusal.ALREADY_USED)

    verdict = total.code_verdict
    if verdict is None or not verdict.applied:
        reason = verdict.reason if verdict else engine.CODE_NOT_APPLICABLE
        raise PromoCodeRefusedError(_ENGINE_REFUSALS.get(reason, Refusal.NOT_APPLICABLE))
    return ValidatedCode(discount=discount, total=total)
