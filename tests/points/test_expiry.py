"""The daily points expiry: due points go, oldest first, for every customer; a second run
changes nothing; one stuck customer does not stop the others; the dry run changes nothing."""

import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.db import connection, transaction

from accounts.models import CustomerProfile
from points import services
from points.expiry import customers_with_points_due, expire_due_points
from points.models import PointsTransaction
from tests.accounts.factories import UserFactory

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _a_year_to_expire(settings):
    settings.POINTS_EXPIRE_AFTER_DAYS = 365


def _earn(user, paid_cents, days_ago):
    services.earn_for_order(
        user_id=user.pk,
        order_id=uuid.uuid4(),
        paid_cents=paid_cents,
        first_purchase=False,
        now=NOW - timedelta(days=days_ago),
    )


def _profile(user):
    return CustomerProfile.objects.get(user=user)


def _customers():
    """Ana: 100 old points, 30 of them spent, and 80 recent ones. Ben: 200 old points.
    Cai: only recent points."""
    # In this order by id, which is the order the job takes customers in.
    ana, ben, cai = (
        UserFactory.create(id=uuid.UUID(int=number), email=f"{name}@example.com")
        for number, name in enumerate(["ana", "ben", "cai"], start=1)
    )
    _earn(ana, 1_000, days_ago=400)
    services.spend(user_id=ana.pk, points=30, order_id=uuid.uuid4(), now=NOW - timedelta(days=200))
    _earn(ana, 800, days_ago=20)
    _earn(ben, 2_000, days_ago=366)
    _earn(cai, 500, days_ago=1)
    return ana, ben, cai


@pytest.mark.django_db
def test_due_points_expire_oldest_first_for_every_customer_and_a_second_run_changes_nothing():
    ana, ben, cai = _customers()

    run = expire_due_points(now=NOW)

    assert (run.customers, run.points, run.failed) == (2, 70 + 200, [])
    # Ana's spend had used her oldest points first: only their other 70 were left to expire.
    assert (_profile(ana).points_balance, _profile(ana).total_points_expired) == (80, 70)
    assert (_profile(ben).points_balance, _profile(ben).total_points_expired) == (0, 200)
    assert _profile(cai).points_balance == 50
    expired = PointsTransaction.objects.filter(kind="expired").order_by("user__email")
    assert [(row.user, row.points, row.balance_after) for row in expired] == [
        (ana, -70, 80),
        (ben, -200, 0),
    ]
    rows_after_first_run = PointsTransaction.objects.count()

    again = expire_due_points(now=NOW + timedelta(hours=1))

    assert (again.customers, again.points) == (0, 0)
    assert PointsTransaction.objects.count() == rows_after_first_run
    assert _profile(ana).points_balance == 80


@pytest.mark.django_db
def test_points_held_by_an_unpaid_order_wait_until_it_is_paid_or_released():
    ben = UserFactory.create()
    _earn(ben, 2_000, days_ago=366)
    services.hold_for_order(user_id=ben.pk, points=50)

    run = expire_due_points(now=NOW)

    assert run.points == 150
    assert (_profile(ben).points_balance, _profile(ben).points_reserved) == (50, 50)


@pytest.mark.django_db
def test_the_dry_run_lists_who_would_lose_what_and_changes_nothing(capsys, settings):
    ana, ben, _cai = _customers()
    rows_before = PointsTransaction.objects.count()

    call_command("expire_points", "--dry-run")

    output = capsys.readouterr().out
    assert "ana@example.com: 70 points" in output
    assert "ben@example.com: 200 points" in output
    assert "cai@example.com" not in output
    assert "270 points of 2 customer(s) would expire. Nothing changed." in output
    assert PointsTransaction.objects.count() == rows_before
    assert (_profile(ana).points_balance, _profile(ben).points_balance) == (150, 200)


@pytest.mark.django_db
def test_the_command_expires_due_points_now():
    ben = UserFactory.create()
    _earn(ben, 2_000, days_ago=800)  # due long before today, whatever the clock says

    call_command("expire_points")

    assert _profile(ben).points_balance == 0


@pytest.mark.django_db(transaction=True)
def test_a_customer_locked_by_a_stuck_checkout_is_skipped_and_the_others_expire():
    ana, ben, _cai = _customers()
    dee = UserFactory.create(id=uuid.UUID(int=4))  # after Ben: the job goes on past him
    _earn(dee, 400, days_ago=500)
    locked, release = threading.Event(), threading.Event()

    def hold_bens_profile():
        try:
            with transaction.atomic():
                CustomerProfile.objects.select_for_update().get(user=ben)
                locked.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    holder = threading.Thread(target=hold_bens_profile)
    holder.start()
    try:
        assert locked.wait(timeout=10)
        run = expire_due_points(now=NOW, lock_timeout_ms=200)
    finally:
        release.set()
        holder.join()

    assert (run.customers, run.points, run.failed) == (2, 70 + 40, [str(ben.pk)])
    assert (_profile(ana).points_balance, _profile(dee).points_balance) == (80, 0)
    assert _profile(ben).points_balance == 200  # untouched, not half-done
    assert expire_due_points(now=NOW).failed == []  # the next run gets Ben
    assert _profile(ben).points_balance == 0


@pytest.mark.django_db
def test_customers_due_are_read_page_by_page_each_once():
    ana, ben, _cai = _customers()

    assert list(customers_with_points_due(now=NOW, batch_size=1)) == [ana.pk, ben.pk]
