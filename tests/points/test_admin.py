"""The points console: customers' figures, their read-only ledger, and "Adjust points" with a
reason, through the service and the audit trail."""

import re
import uuid
from datetime import UTC, datetime

import pytest
from django.utils import timezone

from accounts.models import AdminAuditEntry, CustomerProfile
from accounts.roles import ADMIN, MANAGE_ORDERS, MANAGE_USERS, ROLES
from accounts.services import apply_roles
from points import services
from points.models import PointsTransaction
from tests.accounts.factories import UserFactory, staff_member

pytestmark = pytest.mark.django_db

CUSTOMERS = "/admin/points/customer/"
LEDGER = "/admin/points/pointstransaction/"
NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def user_manager(client):
    apply_roles(ROLES)
    manager = staff_member(MANAGE_USERS.name, email="support@hiroam.test")
    client.force_login(manager)
    return manager


def _customer(email, *, paid_cents, held=0, orders=0, spent_cents=0):
    user = UserFactory.create(email=email)
    order_id = uuid.uuid4()
    services.earn_for_order(
        user_id=user.pk, order_id=order_id, paid_cents=paid_cents, first_purchase=False, now=NOW
    )
    if held:
        services.hold_for_order(user_id=user.pk, points=held)
    CustomerProfile.objects.filter(user=user).update(
        total_orders=orders, total_spent_cents=spent_cents
    )
    return CustomerProfile.objects.get(user=user), order_id


def _cells(page, email):
    """The text of the cells of `email`'s row in a change list."""
    row = re.search(rf"<tr>(?:(?!</tr>).)*{re.escape(email)}(?:(?!</tr>).)*</tr>", page, re.S)
    assert row, f"no row for {email}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", row.group(0), re.S)
    ]


def _adjust(client, customers, **form):
    return client.post(
        CUSTOMERS,
        {
            "action": "adjust_points",
            "_selected_action": [str(customer.pk) for customer in customers],
            "apply": "Adjust points",
            **form,
        },
        follow=True,
    )


def test_customers_are_listed_with_their_points_and_order_figures(client, user_manager):
    _customer("ana@example.com", paid_cents=12_340, held=200, orders=3, spent_cents=12_340)

    page = client.get(CUSTOMERS).content.decode()

    # email, balance, reserved, available, earned, spent, expired, orders, spent on orders
    assert _cells(page, "ana@example.com")[1:10] == [
        "ana@example.com",
        "1234",
        "200",
        "1034",
        "1234",
        "0",
        "0",
        "3",
        "$123.40",
    ]


def test_customers_are_found_by_email_and_sorted_by_balance(client, user_manager):
    # Alphabetical order (the default) is not the order of the balances.
    _customer("a-small@example.com", paid_cents=1_000)
    _customer("b-large@example.com", paid_cents=9_000)
    _customer("c-middle@example.com", paid_cents=5_000)

    found = client.get(CUSTOMERS, {"q": "middle@"}).content.decode()
    by_balance = client.get(CUSTOMERS, {"o": "-2"}).content.decode()  # column 2: balance

    assert "c-middle@example.com" in found
    assert "a-small@example.com" not in found and "b-large@example.com" not in found
    order = [by_balance.index(f"{name}@example.com") for name in ("b-large", "c-middle", "a-small")]
    assert order == sorted(order)


def test_a_customers_page_shows_their_ledger_newest_first_and_changes_nothing(client, user_manager):
    profile, order_id = _customer("ana@example.com", paid_cents=1_000)
    services.adjust(user_id=profile.user_id, points=-10, note="Typo fix", by=None, now=NOW)
    url = f"{CUSTOMERS}{profile.pk}/change/"

    page = client.get(url).content.decode()
    posted = client.post(url, {"points_balance": 99_999})

    assert page.count("<tr><td>2026-05-01") == 2
    assert page.index("Typo fix") < page.index(str(order_id))  # the newest row comes first
    assert 'name="_save"' not in page
    assert posted.status_code == 403
    assert CustomerProfile.objects.get(pk=profile.pk).points_balance == 90


def test_the_ledger_can_be_searched_and_filtered_but_never_written_even_by_a_superuser(client):
    _, order_id = _customer("ana@example.com", paid_cents=1_000)
    _customer("ben@example.com", paid_cents=2_000)
    row = PointsTransaction.objects.get(order_id=order_id)
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))

    by_order = client.get(LEDGER, {"q": str(order_id)[:13]}).content.decode()
    by_kind = client.get(LEDGER, {"kind__exact": "expired"}).content.decode()

    assert "ana@example.com" in by_order and "ben@example.com" not in by_order
    assert "ana@example.com" not in by_kind
    assert client.get(f"{LEDGER}add/").status_code == 403
    assert client.post(f"{LEDGER}{row.pk}/change/", {"points": 1}).status_code == 403
    assert client.post(f"{LEDGER}{row.pk}/delete/", {"post": "yes"}).status_code == 403
    assert "delete_selected" not in client.get(LEDGER).content.decode()
    assert PointsTransaction.objects.get(pk=row.pk).points == 100


def test_adjusting_points_writes_an_adjusted_row_with_the_reason_and_is_audited(
    client, user_manager
):
    profile, _ = _customer("ana@example.com", paid_cents=1_000)

    form_page = client.post(
        CUSTOMERS, {"action": "adjust_points", "_selected_action": [str(profile.pk)]}
    )
    response = _adjust(client, [profile], points="25", reason="Goodwill: late eSIM")

    assert form_page.status_code == 200
    assert 'name="reason"' in form_page.content.decode()
    assert "+25 points for 1 customer(s), because: Goodwill: late eSIM" in (
        response.content.decode()
    )
    row = PointsTransaction.objects.get(kind="adjusted")
    assert (row.user_id, row.points, row.balance_after, row.note, row.created_by) == (
        profile.user_id,
        25,
        125,
        "Goodwill: late eSIM",
        user_manager,
    )
    assert row.unused == 25  # they are spent and expire like earned ones
    assert row.expires_at is not None and row.expires_at > timezone.now()
    assert CustomerProfile.objects.get(pk=profile.pk).points_balance == 125
    entries = AdminAuditEntry.objects.filter(action_name="adjust_points")
    balance_change = entries.get(content_type__model="customer")
    assert balance_change.actor == user_manager
    assert (
        balance_change.old_values["points_balance"],
        balance_change.new_values["points_balance"],
    ) == (100, 125)
    assert entries.get(content_type__model="pointstransaction").new_values["note"] == (
        "Goodwill: late eSIM"
    )


@pytest.mark.parametrize(
    ("form", "error"),
    [
        ({"points": "25", "reason": "   "}, "This field is required."),
        ({"points": "0", "reason": "Nothing"}, "other than 0"),
        ({"points": "ten", "reason": "Typo"}, "Enter a whole number."),
    ],
)
def test_adjusting_without_a_reason_or_a_number_is_refused_and_writes_nothing(
    client, user_manager, form, error
):
    profile, _ = _customer("ana@example.com", paid_cents=1_000)

    response = _adjust(client, [profile], **form)

    assert error in response.content.decode()
    assert not PointsTransaction.objects.filter(kind="adjusted").exists()
    assert not AdminAuditEntry.objects.exists()
    assert CustomerProfile.objects.get(pk=profile.pk).points_balance == 100


def test_taking_more_than_the_available_points_is_refused_and_writes_nothing(client, user_manager):
    short, _ = _customer("short@example.com", paid_cents=1_000, held=30)  # 70 available
    rich, _ = _customer("rich@example.com", paid_cents=5_000)

    response = _adjust(client, [short, rich], points="-80", reason="Duplicate credit")

    page = response.content.decode()
    assert "Not adjusted for short@example.com: Only 70 points available." in page
    assert "-80 points for 1 customer(s)" in page
    assert CustomerProfile.objects.get(pk=short.pk).points_balance == 100
    assert CustomerProfile.objects.get(pk=rich.pk).points_balance == 420
    assert list(
        PointsTransaction.objects.filter(kind="adjusted").values_list("user", flat=True)
    ) == [rich.user_id]
    audited = AdminAuditEntry.objects.filter(action_name="adjust_points")
    assert {entry.object_repr for entry in audited if entry.content_type.model == "customer"} == {
        "rich@example.com"
    }


def test_admins_adjust_points_too_and_order_managers_do_not_see_customers(client):
    apply_roles(ROLES)
    profile, _ = _customer("ana@example.com", paid_cents=1_000)

    client.force_login(staff_member(MANAGE_ORDERS.name))
    assert client.get(CUSTOMERS).status_code == 403
    assert client.get(LEDGER).status_code == 403

    client.force_login(staff_member(ADMIN.name))
    _adjust(client, [profile], points="5", reason="Birthday")
    assert CustomerProfile.objects.get(pk=profile.pk).points_balance == 105
