"""The points ledger: earning once per order (whatever the duplicates), FIFO use and expiry,
clawback never below zero, and — for any sequence of operations — a balance that equals the
sum of the ledger and is never negative."""

import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from accounts.models import CustomerProfile
from hiroam.api.errors import DomainError
from points import services
from points.models import PointsTransaction
from tests.accounts.factories import UserFactory

NOW = timezone.now()


def _balance(user):
    return CustomerProfile.objects.get(user=user).points_balance


@pytest.mark.django_db
def test_an_order_earns_ten_points_per_dollar_paid_and_the_first_a_bonus():
    user = UserFactory.create()

    first = services.earn_for_order(
        user_id=user.pk, order_id=uuid.uuid4(), paid_cents=999, first_purchase=True, now=NOW
    )
    second = services.earn_for_order(
        user_id=user.pk, order_id=uuid.uuid4(), paid_cents=1_000, first_purchase=False, now=NOW
    )

    assert (first, second) == (99 + 50, 100)  # $9.99 earns 99, one per whole 10 cents
    assert _balance(user) == 249
    assert list(
        PointsTransaction.objects.order_by("created_at", "id").values_list(
            "balance_after", flat=True
        )
    ) == [99, 149, 249]


@pytest.mark.django_db(transaction=True)
def test_ten_parallel_duplicate_completions_credit_once():
    user = UserFactory.create()
    order_id = uuid.uuid4()

    def complete(_):
        try:
            return services.earn_for_order(
                user_id=user.pk, order_id=order_id, paid_cents=2_000, first_purchase=True, now=NOW
            )
        finally:
            connection.close()

    with ThreadPoolExecutor(max_workers=10) as pool:
        credited = list(pool.map(complete, range(10)))

    assert sorted(credited) == [0] * 9 + [250]
    assert _balance(user) == 250
    assert PointsTransaction.objects.count() == 2


@pytest.mark.django_db
def test_points_expire_first_in_first_out():
    user = UserFactory.create()
    services.earn_for_order(
        user_id=user.pk,
        order_id=uuid.uuid4(),
        paid_cents=1_000,
        first_purchase=False,
        now=NOW - timedelta(days=400),
    )  # 100, expired by now
    services.earn_for_order(
        user_id=user.pk, order_id=uuid.uuid4(), paid_cents=500, first_purchase=False, now=NOW
    )  # 50, fresh
    services.spend(user_id=user.pk, points=70, order_id=uuid.uuid4(), now=NOW)  # oldest first

    expired = services.expire_due(user_id=user.pk, now=NOW)

    assert expired == 30  # what was left of the old 100 after the 70 spent
    assert _balance(user) == 50
    assert services.expire_due(user_id=user.pk, now=NOW) == 0


@pytest.mark.django_db
def test_a_refund_takes_back_what_the_order_earned_never_below_zero():
    user = UserFactory.create()
    order_id = uuid.uuid4()
    services.earn_for_order(
        user_id=user.pk, order_id=order_id, paid_cents=1_000, first_purchase=False, now=NOW
    )
    services.spend(user_id=user.pk, points=60, order_id=uuid.uuid4(), now=NOW)

    taken = services.reverse_order(user_id=user.pk, order_id=order_id, now=NOW)

    assert taken == 40
    assert _balance(user) == 0
    assert PointsTransaction.objects.get(kind="reversed").shortfall == 60
    assert services.reverse_order(user_id=user.pk, order_id=order_id, now=NOW) == 0  # once


@pytest.mark.django_db
def test_a_refund_with_nothing_left_to_take_still_records_its_shortfall_once():
    user = UserFactory.create()
    order_id = uuid.uuid4()
    services.earn_for_order(
        user_id=user.pk, order_id=order_id, paid_cents=1_000, first_purchase=False, now=NOW
    )
    services.spend(user_id=user.pk, points=100, order_id=uuid.uuid4(), now=NOW)

    assert services.reverse_order(user_id=user.pk, order_id=order_id, now=NOW) == 0
    # Points earned afterwards are not taken by a second refund of the same order.
    services.adjust(user_id=user.pk, points=30, note="goodwill", by=None, now=NOW)
    assert services.reverse_order(user_id=user.pk, order_id=order_id, now=NOW) == 0

    reversal = PointsTransaction.objects.get(kind="reversed")
    assert (reversal.points, reversal.shortfall, reversal.balance_after) == (0, 100, 0)
    assert _balance(user) == 30


@pytest.mark.django_db
def test_spending_more_than_the_balance_is_refused_and_changes_nothing():
    user = UserFactory.create()

    with pytest.raises(DomainError):
        services.spend(user_id=user.pk, points=1, order_id=uuid.uuid4(), now=NOW)

    assert not PointsTransaction.objects.exists()


operations = st.lists(
    st.tuples(
        st.sampled_from(["earn", "spend", "expire", "reverse", "adjust", "hold", "pay", "release"]),
        st.integers(1, 3000),
    ),
    max_size=12,
)


@pytest.mark.django_db
@settings(max_examples=40)
@given(operations)
def test_the_balance_is_the_sum_of_the_ledger_and_never_negative(steps):
    """Also: every point of the balance is traceable to a row it came from (FIFO bookkeeping),
    and what unpaid orders hold is never more than the balance."""
    from django.db import transaction

    with transaction.atomic():
        user = UserFactory.create()
        orders: list[uuid.UUID] = []
        holds: list[tuple[uuid.UUID, int]] = []
        for step, (operation, amount) in enumerate(steps):
            moment = NOW + timedelta(days=step * 60)
            try:
                if operation == "earn":
                    # Sometimes on an order that spent points: a refund then reverses both.
                    if not (amount % 3 == 0 and orders):
                        orders.append(uuid.uuid4())
                    services.earn_for_order(
                        user_id=user.pk,
                        order_id=orders[-1],
                        paid_cents=amount,
                        first_purchase=step == 0,
                        now=moment,
                    )
                elif operation == "spend":
                    orders.append(uuid.uuid4())
                    services.spend(
                        user_id=user.pk, points=amount // 10 + 1, order_id=orders[-1], now=moment
                    )
                elif operation == "hold":
                    services.hold_for_order(user_id=user.pk, points=amount // 10 + 1)
                    holds.append((uuid.uuid4(), amount // 10 + 1))
                elif operation in ("pay", "release") and holds:
                    order_id, held = holds.pop(0)
                    if operation == "pay":
                        orders.append(order_id)
                        services.spend_held(
                            user_id=user.pk, points=held, order_id=order_id, now=moment
                        )
                    else:
                        services.release_held(user_id=user.pk, points=held)
                elif operation == "expire":
                    services.expire_due(user_id=user.pk, now=moment)
                elif operation == "reverse" and orders:
                    services.reverse_order(
                        user_id=user.pk, order_id=orders[amount % len(orders)], now=moment
                    )
                elif operation == "adjust":
                    services.adjust(
                        user_id=user.pk,
                        points=amount // 20 - 50 or 1,
                        note="fix",
                        by=None,
                        now=moment,
                    )
            except DomainError:
                pass  # a refused operation changes nothing
            profile, _ = CustomerProfile.objects.get_or_create(user=user)
            assert profile.points_balance == services.ledger_total(user.pk) >= 0
            unused = PointsTransaction.objects.filter(user=user).values_list("unused", flat=True)
            assert sum(unused) == profile.points_balance
            assert profile.points_reserved == sum(held for _, held in holds)
        transaction.set_rollback(True)


@pytest.mark.django_db
def test_a_customers_completed_order_earns_its_points_once_and_a_guests_nothing():
    from orders.models import Order
    from orders.services.points_handoff import credit_points_for
    from tests.orders.factories import paid_order

    user = UserFactory.create()
    order = paid_order(user=user, total_cents=999, subtotal_cents=999, status="completed")
    guest = paid_order(total_cents=999, subtotal_cents=999, status="completed")

    credit_points_for(order)
    credit_points_for(order)  # a repeat
    credit_points_for(guest)

    assert _balance(user) == 149  # 99 + the first-purchase bonus
    assert Order.objects.get(pk=order.pk).points_earned == 149
    assert PointsTransaction.objects.filter(user=user).count() == 2


@pytest.mark.django_db
def test_the_profile_counts_completed_orders_and_what_was_paid_for_them():
    from orders.services.points_handoff import credit_points_for
    from tests.orders.factories import paid_order

    user = UserFactory.create()
    first = paid_order(user=user, total_cents=999, subtotal_cents=999, status="completed")
    second = paid_order(user=user, total_cents=500, subtotal_cents=500, status="completed")
    paid_order(user=user, total_cents=700, subtotal_cents=700, status="processing")

    credit_points_for(first)
    credit_points_for(second)
    credit_points_for(second)  # a duplicate completion counts once

    profile = CustomerProfile.objects.get(user=user)
    assert (profile.total_orders, profile.total_spent_cents) == (2, 1499)
    assert (profile.first_order_at, profile.last_order_at) == (first.paid_at, second.paid_at)
