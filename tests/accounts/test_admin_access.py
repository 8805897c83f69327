"""Staff see in Admin only what their roles allow, and every Admin change leaves a trace."""

import pytest
from django.contrib.auth.models import Group

from accounts.models import AdminAuditEntry, User
from accounts.roles import MANAGE_USERS, ROLES
from accounts.services import apply_roles
from tests.accounts.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles():
    apply_roles(ROLES)


def _staff_client(client, *groups):
    staff = UserFactory.create(is_staff=True)
    staff.groups.set(Group.objects.filter(name__in=groups))
    client.force_login(staff)
    return client


def test_staff_without_a_role_cannot_reach_any_model(client, roles):
    _staff_client(client)

    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/accounts/adminauditentry/").status_code == 403
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/accounts/user/" not in index.content.decode()


def test_a_user_manager_reaches_users_but_not_the_audit_trail(client, roles):
    _staff_client(client, MANAGE_USERS.name)

    assert client.get("/admin/accounts/user/").status_code == 200
    assert client.get("/admin/accounts/adminauditentry/").status_code == 403


def test_a_customer_cannot_log_into_admin(client):
    client.force_login(UserFactory.create(is_staff=False))

    response = client.get("/admin/accounts/user/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_setup_roles_is_idempotent_and_keeps_members():
    apply_roles(ROLES)
    member = UserFactory.create(is_staff=True)
    member.groups.add(Group.objects.get(name=MANAGE_USERS.name))

    apply_roles(ROLES)

    assert Group.objects.filter(name__in=[role.name for role in ROLES]).count() == len(ROLES)
    assert member.has_perm("accounts.change_user")


def test_an_unknown_permission_in_a_role_is_refused():
    from accounts.roles import Role

    with pytest.raises(ValueError, match=r"accounts\.fly_user"):
        apply_roles((Role("Pilots", "", frozenset({"accounts.fly_user"})),))


def _change_form(user, **changes):
    data = {
        "email": user.email,
        "full_name": user.full_name,
        "phone": user.phone,
        "is_active": "on" if user.is_active else "",
        "is_staff": "on" if user.is_staff else "",
        "date_joined_0": user.date_joined.strftime("%Y-%m-%d"),
        "date_joined_1": user.date_joined.strftime("%H:%M:%S"),
        "groups": [str(pk) for pk in user.groups.values_list("pk", flat=True)],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value != ""}


def test_an_admin_change_is_audited_with_old_and_new_values(client, roles):
    admin_user = UserFactory.create(is_staff=True, is_superuser=True, email="boss@hiroam.test")
    client.force_login(admin_user)
    customer = UserFactory.create(full_name="Old Name")
    user_managers = Group.objects.get(name=MANAGE_USERS.name)

    response = client.post(
        f"/admin/accounts/user/{customer.pk}/change/",
        _change_form(customer, full_name="New Name", groups=[str(user_managers.pk)]),
        HTTP_USER_AGENT="Firefox/140 (ops laptop)",
        REMOTE_ADDR="203.0.113.9",
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    entry = AdminAuditEntry.objects.get()
    assert entry.actor == admin_user
    assert entry.actor_email == "boss@hiroam.test"
    assert entry.action == "change"
    assert entry.object_id == str(customer.pk)
    assert entry.old_values == {"full_name": "Old Name", "groups": []}
    assert entry.new_values == {"full_name": "New Name", "groups": [str(user_managers.pk)]}
    assert entry.ip_address == "203.0.113.9"
    assert entry.user_agent == "Firefox/140 (ops laptop)"


def test_saving_without_changes_writes_no_entry(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    customer = UserFactory.create()

    client.post(f"/admin/accounts/user/{customer.pk}/change/", _change_form(customer))

    assert not AdminAuditEntry.objects.exists()


def test_a_password_change_is_audited_without_the_hash(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    customer = UserFactory.create()

    response = client.post(
        f"/admin/accounts/user/{customer.pk}/password/",
        {"password1": "a brand new passphrase 9", "password2": "a brand new passphrase 9"},
    )

    assert response.status_code == 302
    entry = AdminAuditEntry.objects.get()
    assert list(entry.new_values) == ["password"]
    customer.refresh_from_db()
    assert customer.password not in str(entry.new_values) + str(entry.old_values)


def test_a_deletion_is_audited_with_the_old_values(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    customer = UserFactory.create(email="leaving@example.com")

    client.post(f"/admin/accounts/user/{customer.pk}/delete/", {"post": "yes"})

    assert not User.objects.filter(pk=customer.pk).exists()
    entry = AdminAuditEntry.objects.get()
    assert entry.action == "delete"
    assert entry.old_values["email"] == "leaving@example.com"
    assert entry.old_values["password"] == "[redacted]"


def test_the_audit_trail_is_read_only_even_for_super_admins(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    customer = UserFactory.create(full_name="A")
    client.post(
        f"/admin/accounts/user/{customer.pk}/change/", _change_form(customer, full_name="B")
    )
    entry = AdminAuditEntry.objects.get()

    assert client.get("/admin/accounts/adminauditentry/").status_code == 200
    assert (
        client.get(
            f"/admin/accounts/adminauditentry/?actor__id__exact={entry.actor_id}"
        ).status_code
        == 200
    )
    assert (
        client.post(
            f"/admin/accounts/adminauditentry/{entry.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert AdminAuditEntry.objects.filter(pk=entry.pk).exists()
