"""Promo code validation (plan section 5.3): every refusal with its code and the plan's message,
limits per customer however they spell their email, the plan's stacking example, caps, and that
checking a code writes nothing."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from pricing.models import DiscountCode, DiscountCodeUsage
from pricing.prices import order_lines
from pricing.promo_codes import PromoCodeRefusedError, validate_promo_code
from tests.accounts.factories import UserFactory
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import DiscountCodeFactory, DiscountCodeUsageFactory, live_schedule

pytestmark = pytest.mark.django_db

GUEST = "guest@example.com"


def _validate(code, cart, *, email=GUEST, user=None, has_purchased_before=False, now=None):
    now = now or timezone.now()
    return validate_promo_code(
        code=code,
        lines=order_lines(cart, now),
        email=email,
        user=user,
        has_purchased_before=has_purchased_before,
        now=now,
    )


def _refusal(code, cart, **kwargs):
    with pytest.raises(PromoCodeRefusedError) as caught:
        _validate(code, cart, **kwargs)
    error = caught.value
    return error.code, error.status_code, error.message, error.details["reason"]


@pytest.fixture
def fifty():
    """One package at $50.00, the plan's Item A."""
    return PackageFactory.create(price_usd_cents=5_000)


def test_the_plans_stacking_example(fifty):
    live_schedule(fifty, discount_value=1_000)  # 10 % off Item A
    DiscountCodeFactory.create(code="SAVE10", discount_type="fixed", discount_value=1_000)

    validated = _validate("SAVE10", [(fifty, 1)])

    total = validated.total
    assert (total.subtotal_cents, total.product_discount_cents) == (5_000, 500)
    assert validated.discount_cents == 1_000
    assert total.total_cents == 3_500


def test_a_code_is_found_whatever_its_case_and_surrounding_spaces(fifty):
    DiscountCodeFactory.create(code="SAVE10")

    validated = _validate(" save10 ", [(fifty, 1)])

    assert validated.discount.code == "SAVE10"
    assert validated.discount_cents == 500


def test_an_unknown_code_is_invalid(fifty):
    DiscountCodeFactory.create(code="SAVE10")

    assert _refusal("SAVE1O", [(fifty, 1)]) == (
        "INVALID_DISCOUNT",
        400,
        "Invalid discount code",
        "not_found",
    )


def test_a_switched_off_code_is_no_longer_active(fifty):
    DiscountCodeFactory.create(code="OLD", is_active=False)

    assert _refusal("OLD", [(fifty, 1)]) == (
        "INVALID_DISCOUNT",
        400,
        "This code is no longer active",
        "inactive",
    )


def test_a_code_works_from_the_moment_it_starts_and_not_before(fifty):
    now = timezone.now()
    DiscountCodeFactory.create(code="SOON", starts_at=now + timedelta(seconds=1))

    assert _refusal("SOON", [(fifty, 1)], now=now) == (
        "INVALID_DISCOUNT",
        400,
        "This code is not yet active",
        "not_active_yet",
    )
    assert _validate("SOON", [(fifty, 1)], now=now + timedelta(seconds=1)).discount_cents == 500


def test_a_code_is_over_at_its_expiry(fifty):
    now = timezone.now()
    DiscountCodeFactory.create(code="XMAS", expires_at=now + timedelta(seconds=1))

    assert _validate("XMAS", [(fifty, 1)], now=now).discount_cents == 500
    assert _refusal("XMAS", [(fifty, 1)], now=now + timedelta(seconds=1)) == (
        "DISCOUNT_EXPIRED",
        422,
        "This code has expired",
        "expired",
    )


def test_a_code_used_as_often_as_allowed_is_used_up(fifty):
    code = DiscountCodeFactory.create(code="FIRST100", max_uses=100, current_uses=99)

    assert _validate("FIRST100", [(fifty, 1)]).discount_cents == 500
    code.current_uses = 100
    code.save()
    assert _refusal("FIRST100", [(fifty, 1)]) == (
        "DISCOUNT_LIMIT_REACHED",
        422,
        "This code has reached its usage limit",
        "usage_limit",
    )


def test_the_minimum_purchase_is_judged_after_the_packages_own_discounts(fifty):
    live_schedule(fifty, discount_value=1_000)  # $50.00 - $5.00 = $45.00 to pay
    DiscountCodeFactory.create(code="BIG", min_purchase_cents=4_501)
    DiscountCodeFactory.create(code="JUST", min_purchase_cents=4_500)

    with pytest.raises(PromoCodeRefusedError) as caught:
        _validate("BIG", [(fifty, 1)])
    assert (caught.value.code, caught.value.status_code) == ("INVALID_DISCOUNT", 400)
    assert caught.value.message == "Minimum purchase of $45.01 required"
    assert caught.value.details == {"reason": "minimum_purchase", "minPurchaseCents": 4_501}
    assert _validate("JUST", [(fifty, 1)]).discount_cents == 450


def test_the_minimum_purchase_counts_every_item_and_quantity(fifty):
    DiscountCodeFactory.create(code="MIN120", min_purchase_cents=12_000)
    small = PackageFactory.create(price_usd_cents=1_000)

    assert _refusal("MIN120", [(fifty, 2)])[2] == "Minimum purchase of $120.00 required"
    assert _validate("MIN120", [(fifty, 2), (small, 2)]).total.subtotal_cents == 12_000


def test_a_members_code_is_refused_to_a_guest(fifty):
    DiscountCodeFactory.create(code="MEMBERS", authenticated_only=True)

    assert _refusal("MEMBERS", [(fifty, 1)]) == (
        "INVALID_DISCOUNT",
        400,
        "This code is for registered users only",
        "registered_only",
    )
    member = UserFactory.create()
    assert _validate("MEMBERS", [(fifty, 1)], user=member).discount_cents == 500


def test_a_first_purchase_code_is_refused_to_a_returning_customer(fifty):
    DiscountCodeFactory.create(code="WELCOME", first_purchase_only=True)

    assert _refusal("WELCOME", [(fifty, 1)], has_purchased_before=True) == (
        "INVALID_DISCOUNT",
        400,
        "This code is for a first purchase only",
        "first_purchase_only",
    )
    assert _validate("WELCOME", [(fifty, 1)], has_purchased_before=False).discount_cents == 500


ALREADY_USED = ("DISCOUNT_LIMIT_REACHED", 422, "You have already used this code", "already_used")


def test_a_guest_cannot_use_a_code_twice_by_spelling_the_email_differently(fifty):
    code = DiscountCodeFactory.create(code="ONCE")
    DiscountCodeUsageFactory.create(discount=code, guest_email="ana@example.com")

    assert _refusal("ONCE", [(fifty, 1)], email=" ANA@Example.COM ") == ALREADY_USED
    assert _validate("ONCE", [(fifty, 1)], email="bob@example.com").discount_cents == 500


def test_a_customer_who_used_a_code_signed_in_cannot_use_it_again(fifty):
    code = DiscountCodeFactory.create(code="ONCE")
    ana = UserFactory.create(email="ana@example.com")
    DiscountCodeUsageFactory.create(discount=code, user=ana, guest_email="ana@example.com")

    # Signed in, with another email on the order: the account has used it.
    assert _refusal("ONCE", [(fifty, 1)], user=ana, email="other@example.com") == ALREADY_USED
    # Signed out, with the account's email: the email has used it.
    assert _refusal("ONCE", [(fifty, 1)], email="Ana@example.com") == ALREADY_USED


def test_a_guest_use_under_the_accounts_email_counts_once_signed_in(fifty):
    code = DiscountCodeFactory.create(code="ONCE")
    ana = UserFactory.create(email="ana@example.com")
    DiscountCodeUsageFactory.create(discount=code, guest_email="ana@example.com")

    assert _refusal("ONCE", [(fifty, 1)], user=ana, email="travel@example.com") == ALREADY_USED


def test_a_code_allowed_twice_per_customer_works_a_second_time_not_a_third(fifty):
    code = DiscountCodeFactory.create(code="TWICE", max_uses_per_user=2)
    DiscountCodeUsageFactory.create(discount=code, guest_email="ana@example.com")
    DiscountCodeUsageFactory.create(discount=code, guest_email="bob@example.com")
    other_code = DiscountCodeFactory.create(code="OTHER")
    DiscountCodeUsageFactory.create(discount=other_code, guest_email="ana@example.com")

    assert _validate("TWICE", [(fifty, 1)], email="ana@example.com").discount_cents == 500
    DiscountCodeUsageFactory.create(discount=code, guest_email="ana@example.com")
    assert _refusal("TWICE", [(fifty, 1)], email="ana@example.com") == ALREADY_USED


def test_a_code_for_other_packages_does_not_apply(fifty):
    other = PackageFactory.create()
    DiscountCodeFactory.create(code="OTHERS", applicable_packages=[other.pk])
    DiscountCodeFactory.create(code="NOTFIFTY", excluded_packages=[fifty.pk])
    DiscountCodeFactory.create(code="EVERY", applicable_packages=[])  # emptied in Admin

    refusal = ("INVALID_DISCOUNT", 400, "This code does not apply to these packages")
    assert _refusal("OTHERS", [(fifty, 1)]) == (*refusal, "not_applicable")
    assert _refusal("NOTFIFTY", [(fifty, 1)]) == (*refusal, "not_applicable")
    assert _validate("EVERY", [(fifty, 1)]).discount_cents == 500
    # On a cart holding both, it takes its share off the package it covers only.
    assert _validate("OTHERS", [(fifty, 1), (other, 1)]).discount_cents == 30


def test_a_code_that_does_not_stack_is_refused_on_discounted_packages(fifty):
    plain = PackageFactory.create(price_usd_cents=2_000)
    DiscountCodeFactory.create(code="ALONE", stackable_with_product_discount=False)

    assert _validate("ALONE", [(fifty, 1)]).discount_cents == 500
    live_schedule(fifty)
    assert _refusal("ALONE", [(fifty, 1), (plain, 1)]) == (
        "INVALID_DISCOUNT",
        400,
        "This code cannot be combined with other discounts",
        "not_combinable",
    )


def test_a_code_that_would_take_nothing_off_is_refused():
    cheap = PackageFactory.create(price_usd_cents=50)
    DiscountCodeFactory.create(code="TINY", discount_value=1)  # 0.01 % of $0.50, floored

    assert _refusal("TINY", [(cheap, 1)]) == (
        "INVALID_DISCOUNT",
        400,
        "This code takes nothing off this order",
        "nothing_to_discount",
    )


def test_a_percentage_code_stops_at_its_cap(fifty):
    DiscountCodeFactory.create(code="PCT20", discount_value=2_000, max_discount_cents=1_500)

    validated = _validate("PCT20", [(fifty, 2)])  # 20 % of $100.00 would be $20.00

    assert validated.discount_cents == 1_500
    assert validated.total.total_cents == 8_500


def test_a_fixed_code_never_takes_off_more_than_the_order(fifty):
    cheap = PackageFactory.create(price_usd_cents=300)
    DiscountCodeFactory.create(code="TENOFF", discount_type="fixed", discount_value=1_000)

    validated = _validate("TENOFF", [(cheap, 1)])

    assert validated.discount_cents == 300
    assert validated.total.total_cents == 0


def test_the_first_failing_rule_in_the_plans_order_answers(fifty):
    now = timezone.now()
    DiscountCodeFactory.create(
        code="MANY",
        expires_at=now - timedelta(minutes=1),
        max_uses=1,
        current_uses=1,
        min_purchase_cents=100_000,
        authenticated_only=True,
    )
    DiscountCodeFactory.create(code="SMALL", min_purchase_cents=100_000, authenticated_only=True)

    assert _refusal("MANY", [(fifty, 1)], now=now)[3] == "expired"
    assert _refusal("SMALL", [(fifty, 1)], now=now)[3] == "minimum_purchase"


def test_checking_a_code_writes_nothing(fifty):
    code = DiscountCodeFactory.create(code="SAVE10", max_uses=10, current_uses=3)
    used = DiscountCodeFactory.create(code="USED")
    DiscountCodeUsageFactory.create(discount=used, guest_email=GUEST)

    with CaptureQueriesContext(connection) as queries:
        _validate("SAVE10", [(fifty, 1)])
        for refused in ("USED", "NOPE"):
            with pytest.raises(PromoCodeRefusedError):
                _validate(refused, [(fifty, 1)])

    assert queries.captured_queries
    assert all(query["sql"].startswith("SELECT") for query in queries.captured_queries)
    code.refresh_from_db()
    assert code.current_uses == 3
    assert DiscountCodeUsage.objects.count() == 1
    assert DiscountCode.objects.count() == 2


def test_a_price_override_below_the_base_is_a_discount_and_above_it_is_the_price(fifty):
    dearer = PackageFactory.create(price_usd_cents=1_000)
    live_schedule(
        fifty,
        schedule_type="price_override",
        discount_type="",
        discount_value=None,
        override_price_usd_cents=4_000,
    )
    live_schedule(
        dearer,
        schedule_type="price_override",
        discount_type="",
        discount_value=None,
        override_price_usd_cents=1_200,
    )
    DiscountCodeFactory.create(code="ALONE", stackable_with_product_discount=False)
    DiscountCodeFactory.create(code="SAVE10", discount_type="fixed", discount_value=1_000)

    total = _validate("SAVE10", [(fifty, 1), (dearer, 1)]).total

    assert [(line.line.unit_price_cents, line.product_discount_cents) for line in total.lines] == [
        (5_000, 1_000),
        (1_200, 0),
    ]
    assert total.total_cents == 4_000 + 1_200 - 1_000
    assert _validate("ALONE", [(dearer, 1)]).discount_cents == 120
    assert _refusal("ALONE", [(fifty, 1)])[3] == "not_combinable"


def test_a_use_recorded_under_an_account_only_still_counts_for_its_email(fifty):
    ana = UserFactory.create(email="ana@example.com")
    code = DiscountCodeFactory.create(code="ONCE")
    DiscountCodeUsageFactory.create(discount=code, user=ana, guest_email="")  # no email kept

    refused = _refusal("ONCE", [(fifty, 1)], email=" Ana@Example.com ")  # signed out now

    assert refused[3] == "already_used"


def test_a_released_hold_does_not_count_as_a_use(fifty):
    code = DiscountCodeFactory.create(code="ONCE")
    DiscountCodeUsageFactory.create(
        discount=code, guest_email=GUEST, status=DiscountCodeUsage.Status.RELEASED
    )

    assert _validate("ONCE", [(fifty, 1)]).discount_cents == 500
