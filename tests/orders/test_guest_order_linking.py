"""Guest orders join an account only once its email is verified: registering alone links
nothing, other people's orders are never touched, the stats follow, and a linked completed
order counts as the customer's first purchase (no second bonus) without earning points itself."""

import pytest
from django.utils import timezone

from accounts.email_verification import verification_token
from accounts.models import CustomerProfile, User
from orders.models import Order, OrderStatus
from orders.services.points_handoff import credit_points_for
from points.models import PointsTransaction
from tests.accounts.factories import UserFactory
from tests.orders.factories import OrderFactory, paid_order
from tests.pricing.factories import DiscountCodeUsageFactory

pytestmark = pytest.mark.django_db

PASSWORD = "sunrise over Bali 2026"


def _register_and_sign_in(client, email="Ana@Example.com"):
    response = client.post(
        "/api/v1/auth/register", {"email": email, "password": PASSWORD}, format="json"
    )
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {response.json()['data']['access']}")
    return User.objects.get(email=email.lower())


def _verify(client, user):
    token = verification_token(user=user, now=timezone.now())
    response = client.post("/api/v1/auth/verify-email", {"token": token}, format="json")
    assert response.status_code == 200


def _order_numbers(client):
    return sorted(
        order["order_number"] for order in client.get("/api/v1/orders").json()["data"]["results"]
    )


@pytest.fixture
def guest_history():
    """Ana's guest orders (one completed, one pending), and orders that are not hers."""
    completed = paid_order(
        customer_email="ana@example.com",
        status=OrderStatus.COMPLETED,
        total_cents=1_500,
        subtotal_cents=1_500,
    )
    pending = OrderFactory.create(customer_email="ana@example.com")
    someone_else = paid_order(customer_email="bob@example.com", status=OrderStatus.COMPLETED)
    # Bought by another account for Ana's address: it stays that account's.
    bought_for_ana = paid_order(customer_email="ana@example.com", user=UserFactory.create())
    return {
        "completed": completed,
        "pending": pending,
        "someone_else": someone_else,
        "bought_for_ana": bought_for_ana,
    }


def test_registering_alone_links_nothing(api_client, guest_history):
    _register_and_sign_in(api_client)

    assert _order_numbers(api_client) == []
    assert Order.objects.filter(customer_email="ana@example.com", user__isnull=True).count() == 2


def test_verifying_links_the_guest_orders_under_the_email_and_nothing_else(
    api_client, guest_history
):
    ana = _register_and_sign_in(api_client)
    ana_use = DiscountCodeUsageFactory.create(guest_email="ana@example.com", user=None)
    bob_use = DiscountCodeUsageFactory.create(guest_email="bob@example.com", user=None)
    other_user = guest_history["bought_for_ana"].user

    _verify(api_client, ana)

    assert _order_numbers(api_client) == sorted(
        [guest_history["completed"].order_number, guest_history["pending"].order_number]
    )
    guest_history["someone_else"].refresh_from_db()
    guest_history["bought_for_ana"].refresh_from_db()
    assert guest_history["someone_else"].user_id is None
    assert guest_history["bought_for_ana"].user_id == other_user.pk
    ana_use.refresh_from_db()
    bob_use.refresh_from_db()
    assert (ana_use.user_id, bob_use.user_id) == (ana.pk, None)
    # Only the completed order counts in the stats.
    profile = CustomerProfile.objects.get(user=ana)
    assert (profile.total_orders, profile.total_spent_cents) == (1, 1_500)
    assert profile.first_order_at == guest_history["completed"].paid_at


def test_a_linked_guest_purchase_earns_nothing_and_takes_the_first_purchase_bonus(
    api_client, guest_history
):
    ana = _register_and_sign_in(api_client)
    _verify(api_client, ana)
    assert not PointsTransaction.objects.filter(user=ana).exists()  # nothing retroactive

    next_order = paid_order(
        user=ana,
        customer_email=ana.email,
        status=OrderStatus.COMPLETED,
        total_cents=999,
        subtotal_cents=999,
    )
    credit_points_for(next_order)

    reasons = list(PointsTransaction.objects.filter(user=ana).values_list("reason", "points"))
    assert reasons == [("purchase", 99)]  # no +50: the guest order was the first purchase


def test_without_the_link_the_next_order_still_gets_the_bonus(api_client, guest_history):
    ana = _register_and_sign_in(api_client)  # never verified
    next_order = paid_order(
        user=ana,
        customer_email=ana.email,
        status=OrderStatus.COMPLETED,
        total_cents=999,
        subtotal_cents=999,
    )

    credit_points_for(next_order)

    assert CustomerProfile.objects.get(user=ana).points_balance == 99 + 50
