"""GET /api/v1/me/points: what a signed-in customer sees of their points."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from accounts.models import CustomerProfile
from points import api, services
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db

POINTS = "/api/v1/me/points"
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


def _earn(user, *, paid_cents, at, first=False):
    order_id = uuid.uuid4()
    services.earn_for_order(
        user_id=user.pk, order_id=order_id, paid_cents=paid_cents, first_purchase=first, now=at
    )
    return order_id


def test_a_customer_sees_balance_reserved_available_lifetime_and_next_expiry(
    signed_in_client, customer, settings
):
    settings.POINTS_EXPIRE_AFTER_DAYS = 365
    first_order = _earn(customer, paid_cents=1_000, at=NOW - timedelta(days=100), first=True)
    _earn(customer, paid_cents=3_000, at=NOW - timedelta(days=10))
    services.spend(user_id=customer.pk, points=120, order_id=uuid.uuid4(), now=NOW)
    services.hold_for_order(user_id=customer.pk, points=30)  # an unpaid order redeems 30

    data = signed_in_client.get(POINTS).json()["data"]

    assert {key: data[key] for key in ("balance", "reserved", "available", "lifetime")} == {
        "balance": 330,  # 100 + 50 bonus + 300 - 120
        "reserved": 30,
        "available": 300,
        "lifetime": {"earned": 450, "spent": 120, "expired": 0},
    }
    # The 120 spent came off the oldest points first: the first order's 100 and 20 of its
    # bonus; the bonus's other 30 expire first, a year after that order.
    assert data["next_expiry"] == {"date": "2026-11-30", "points": 30}
    newest = data["results"][0]
    assert (newest["kind"], newest["points"], newest["balance_after"], newest["reason"]) == (
        "spent",
        -120,
        330,
        "redemption",
    )
    oldest = data["results"][-1]
    assert (oldest["kind"], oldest["points"], oldest["order_id"], oldest["reason"]) == (
        "earned",
        100,
        str(first_order),
        "purchase",
    )
    assert oldest["expires_at"].startswith("2026-11-30")
    assert [entry["balance_after"] for entry in data["results"]] == [330, 450, 150, 100]


def test_a_staff_adjustment_shows_with_its_note(signed_in_client, customer):
    staff = UserFactory.create(is_staff=True)
    services.adjust(user_id=customer.pk, points=25, note="Sorry for the delay", by=staff, now=NOW)

    [entry] = signed_in_client.get(POINTS).json()["data"]["results"]

    assert (entry["kind"], entry["points"], entry["reason"], entry["note"]) == (
        "adjusted",
        25,
        "admin",
        "Sorry for the delay",
    )
    assert "created_by" not in entry  # which staff member did it is not the customer's business


def test_a_customer_without_points_sees_zeros_and_no_expiry(signed_in_client, customer):
    data = signed_in_client.get(POINTS).json()["data"]

    assert (data["balance"], data["available"], data["next_expiry"], data["results"]) == (
        0,
        0,
        None,
        [],
    )
    assert not CustomerProfile.objects.filter(user=customer).exists()  # a read creates nothing


def test_the_ledger_is_paginated_newest_first_and_only_the_customers_own(
    signed_in_client, customer
):
    for day in range(25):
        _earn(customer, paid_cents=100 + day * 10, at=NOW + timedelta(days=day))
    _earn(UserFactory.create(), paid_cents=9_990, at=NOW)

    first = signed_in_client.get(POINTS).json()["data"]
    last = signed_in_client.get(POINTS, {"page": 3, "page_size": 10}).json()["data"]

    assert first["pagination"] == {"page": 1, "page_size": 20, "total": 25, "total_pages": 2}
    assert [entry["points"] for entry in first["results"][:3]] == [34, 33, 32]
    assert last["pagination"]["page"] == 3
    assert [entry["points"] for entry in last["results"]] == [14, 13, 12, 11, 10]
    assert first["balance"] == sum(10 + day for day in range(25))


def test_a_page_past_the_end_is_a_404(signed_in_client, customer):
    _earn(customer, paid_cents=1_000, at=NOW)

    response = signed_in_client.get(POINTS, {"page": 5})

    assert response.status_code == 404
    assert response.json()["error"]["code"] == "NOT_FOUND"


def test_the_query_count_does_not_grow_with_the_ledger(
    signed_in_client, customer, django_assert_max_num_queries
):
    _earn(customer, paid_cents=1_000, at=NOW)
    with django_assert_max_num_queries(5) as few:
        signed_in_client.get(POINTS)
    for day in range(40):
        _earn(customer, paid_cents=500, at=NOW + timedelta(days=day + 1))

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = signed_in_client.get(POINTS, {"page_size": 50})

    assert len(response.json()["data"]["results"]) == 41


def test_signed_out_is_a_401(api_client):
    response = api_client.get(POINTS)

    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHORIZED"


def test_the_endpoint_has_its_own_rate_limit(signed_in_client, settings, throttle_clock, customer):
    assert api.MyPointsView.throttle_scope == "points"
    assert settings.THROTTLE_RATES["points"] == "30/min"
    settings.THROTTLE_RATES = {**settings.THROTTLE_RATES, "points": "2/min"}

    answers = [signed_in_client.get(POINTS) for _ in range(3)]

    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0]["X-RateLimit-Limit"] == "2"
    throttle_clock.advance(60)
    assert signed_in_client.get(POINTS).status_code == 200
