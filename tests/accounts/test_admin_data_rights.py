"""Customers' data rights in Admin: user managers download a customer's data and erase a
customer (after a confirmation page) through the same services as the API; both are audited,
and staff without the permission can do neither."""

import json

import pytest
from django.contrib.auth.models import Permission

from accounts.models import AdminAuditEntry, User
from accounts.roles import MANAGE_ORDERS, MANAGE_USERS, ROLES
from accounts.services import apply_roles
from orders.data_rights import ERASED_EMAIL
from orders.models import Order
from tests.accounts.customer_file import customer_with_one_of_everything
from tests.accounts.factories import UserFactory, staff_member
from tests.orders.factories import OrderFactory

pytestmark = pytest.mark.django_db

USERS = "/admin/accounts/user/"


@pytest.fixture
def roles():
    apply_roles(ROLES)


@pytest.fixture
def user_manager(client, roles):
    manager = staff_member(MANAGE_USERS.name, email="manager@hiroam.local")
    client.force_login(manager)
    return manager


@pytest.fixture
def held(customer):
    return customer_with_one_of_everything(customer)


def _act(client, action, users, **extra):
    return client.post(
        USERS, {"action": action, "_selected_action": [str(u.pk) for u in users], **extra}
    )


def test_a_user_manager_downloads_a_customers_data_and_it_is_audited(client, user_manager, held):
    response = _act(client, "download_customer_data", [held.user])

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert f"hiroam-customer-{held.user.pk}.json" in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["account"]["email"] == held.user.email
    assert data["orders"][0]["items"][0]["esims"][0]["iccid"] == held.esim.iccid
    assert len(data["points_ledger"]) == 2
    entry = AdminAuditEntry.objects.get(action_name="download_customer_data")
    assert (entry.actor, entry.object_id) == (user_manager, str(held.user.pk))


def test_one_customer_at_a_time(client, user_manager, held):
    other = UserFactory.create()

    response = _act(client, "download_customer_data", [held.user, other])

    assert response["Content-Type"].startswith("text/html")
    assert not AdminAuditEntry.objects.filter(action_name="download_customer_data").exists()


def test_erasing_asks_for_confirmation_first_then_erases_and_audits(client, user_manager, held):
    confirm = _act(client, "erase_customer", [held.user])

    page = confirm.content.decode()
    assert confirm.status_code == 200
    assert held.user.email in page
    assert "Yes, erase this customer" in page
    assert User.objects.filter(pk=held.user.pk).exists()  # nothing happens before "apply"

    done = _act(client, "erase_customer", [held.user], apply="1")

    assert done.status_code == 302
    assert not User.objects.filter(pk=held.user.pk).exists()
    order = Order.objects.get(pk=held.order.pk)
    assert (order.customer_email, order.total_cents) == (ERASED_EMAIL, 999)
    entry = AdminAuditEntry.objects.get(action_name="erase_customer")
    assert (entry.actor, entry.object_id) == (user_manager, str(held.user.pk))
    assert entry.new_values["requested_by"] == "staff"
    assert held.user.email not in entry.object_repr


def test_a_refused_erasure_says_why_and_changes_nothing(client, user_manager, held):
    pending = OrderFactory.create(user=held.user, customer_email=held.user.email)

    response = _act(client, "erase_customer", [held.user], apply="1")

    assert response.status_code == 302
    messages = client.get(USERS).content.decode()
    assert "Not erased" in messages
    assert "waiting for payment" in messages
    assert User.objects.filter(pk=held.user.pk).exists()
    pending.refresh_from_db()
    assert pending.customer_email == held.user.email
    assert not AdminAuditEntry.objects.filter(action_name="erase_customer").exists()


def test_a_superuser_cannot_erase_a_staff_account_either(admin_client, roles):
    colleague = staff_member(MANAGE_ORDERS.name)

    _act(admin_client, "erase_customer", [colleague], apply="1")

    assert User.objects.filter(pk=colleague.pk).exists()
    assert "Staff accounts are not erased" in admin_client.get(USERS).content.decode()


def test_staff_without_the_user_permissions_can_do_neither(client, roles, held):
    order_manager = staff_member(MANAGE_ORDERS.name)
    client.force_login(order_manager)

    for action in ("download_customer_data", "erase_customer"):
        response = _act(client, action, [held.user], apply="1")
        assert response.status_code == 403

    # Seeing users is not enough: neither action is offered to a viewer.
    viewer = staff_member()
    viewer.user_permissions.add(Permission.objects.get(codename="view_user"))
    client.force_login(viewer)
    for action in ("download_customer_data", "erase_customer"):
        response = _act(client, action, [held.user], apply="1")
        assert response["Content-Type"].startswith("text/html")

    assert User.objects.filter(pk=held.user.pk).exists()
    assert not AdminAuditEntry.objects.filter(
        action_name__in=["download_customer_data", "erase_customer"]
    ).exists()
