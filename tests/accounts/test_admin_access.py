"""Staff see in Admin only what their roles allow, and every Admin change leaves a trace."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.test import RequestFactory

from accounts.audit import AuditedAdminMixin
from accounts.models import AdminAuditEntry, User
from accounts.roles import ADMIN, MANAGE_PACKAGES, MANAGE_USERS, ROLES, SUPER_ADMIN
from accounts.services import apply_roles
from tests.accounts.factories import UserFactory, staff_member

pytestmark = pytest.mark.django_db


@pytest.fixture
def roles():
    apply_roles(ROLES)


def test_staff_without_a_role_cannot_reach_any_model(client, roles):
    client.force_login(staff_member())

    assert client.get("/admin/accounts/user/").status_code == 403
    assert client.get("/admin/accounts/adminauditentry/").status_code == 403
    index = client.get("/admin/")
    assert index.status_code == 200
    assert "/admin/accounts/user/" not in index.content.decode()


def test_a_user_manager_reaches_users_but_not_the_audit_trail(client, roles):
    client.force_login(staff_member(MANAGE_USERS.name))

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
    leaver = UserFactory.create(email="leaving@example.com", is_staff=True)

    client.post(f"/admin/accounts/user/{leaver.pk}/delete/", {"post": "yes"})

    assert not User.objects.filter(pk=leaver.pk).exists()
    entry = AdminAuditEntry.objects.get()
    assert entry.action == "delete"
    assert entry.old_values["email"] == "leaving@example.com"
    assert entry.old_values["password"] == "[redacted]"


def test_a_customer_is_erased_never_plainly_deleted(client):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    customer = UserFactory.create(email="leaving@example.com")

    single = client.post(f"/admin/accounts/user/{customer.pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/accounts/user/",
        {"action": "delete_selected", "_selected_action": [str(customer.pk)], "post": "yes"},
    )

    assert single.status_code == 403
    assert bulk.status_code in (200, 302)  # the action is not offered: nothing happens
    assert User.objects.filter(pk=customer.pk).exists()


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


# ---------------------------------------------------------------- no escalation through Admin


def _user_manager(client):
    manager = staff_member(MANAGE_USERS.name, email="manager@hiroam.test")
    client.force_login(manager)
    return manager


def test_a_user_manager_cannot_make_themselves_superuser_or_give_permissions(client, roles):
    manager = _user_manager(client)
    any_permission = Permission.objects.get(codename="delete_adminauditentry")

    response = client.post(
        f"/admin/accounts/user/{manager.pk}/change/",
        _change_form(manager, is_superuser="on", user_permissions=[str(any_permission.pk)]),
    )

    assert response.status_code == 302  # the form saved, without those two fields
    manager.refresh_from_db()
    assert manager.is_superuser is False
    assert not manager.user_permissions.exists()
    assert not AdminAuditEntry.objects.exists()  # nothing changed


@pytest.mark.parametrize("role", [ADMIN, SUPER_ADMIN])
def test_a_user_manager_cannot_grant_the_superuser_granted_roles(client, roles, role):
    manager = _user_manager(client)
    wanted = Group.objects.filter(name__in=[MANAGE_USERS.name, role.name])
    groups = [str(pk) for pk in wanted.values_list("pk", flat=True)]

    response = client.post(
        f"/admin/accounts/user/{manager.pk}/change/", _change_form(manager, groups=groups)
    )

    assert response.status_code == 200
    assert "groups" in response.context["adminform"].form.errors
    assert list(manager.groups.values_list("name", flat=True)) == [MANAGE_USERS.name]
    assert not AdminAuditEntry.objects.exists()


def test_a_user_manager_still_gives_ordinary_roles(client, roles):
    _user_manager(client)
    customer = UserFactory.create()
    package_managers = Group.objects.get(name=MANAGE_PACKAGES.name)

    response = client.post(
        f"/admin/accounts/user/{customer.pk}/change/",
        _change_form(customer, is_staff="on", groups=[str(package_managers.pk)]),
    )

    assert response.status_code == 302
    assert list(customer.groups.all()) == [package_managers]


def _powerful_users():
    superuser = UserFactory.create(is_staff=True, is_superuser=True, email="root@hiroam.test")
    return [superuser, staff_member(ADMIN.name, email="ops@hiroam.test")]


def test_a_user_manager_cannot_change_reset_or_delete_a_powerful_account(client, roles):
    _user_manager(client)

    for target in _powerful_users():
        password_hash = target.password
        change = client.post(
            f"/admin/accounts/user/{target.pk}/change/",
            _change_form(target, full_name="Pwned", email="manager-owned@hiroam.test"),
        )
        password_form = client.get(f"/admin/accounts/user/{target.pk}/password/")
        password_reset = client.post(
            f"/admin/accounts/user/{target.pk}/password/",
            {"password1": "taken over 12345", "password2": "taken over 12345"},
        )
        delete = client.post(f"/admin/accounts/user/{target.pk}/delete/", {"post": "yes"})
        bulk_delete = client.post(
            "/admin/accounts/user/",
            {"action": "delete_selected", "_selected_action": [str(target.pk)], "post": "yes"},
        )

        assert change.status_code == 403
        assert password_form.status_code == 403
        assert password_reset.status_code == 403
        assert delete.status_code == 403
        assert bulk_delete.status_code in (302, 403)  # not offered, or refused: either way kept
        stored = User.objects.get(pk=target.pk)
        assert (stored.email, stored.full_name) == (target.email, target.full_name)
        assert stored.password == password_hash
    assert not AdminAuditEntry.objects.exists()


def test_a_superuser_may_grant_super_admins_and_reset_a_superuser(client, roles):
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    colleague = UserFactory.create(is_staff=True, is_superuser=True)
    super_admins = Group.objects.get(name=SUPER_ADMIN.name)

    grant = client.post(
        f"/admin/accounts/user/{colleague.pk}/change/",
        _change_form(colleague, is_superuser="on", groups=[str(super_admins.pk)]),
    )
    reset = client.post(
        f"/admin/accounts/user/{colleague.pk}/password/",
        {"password1": "a brand new passphrase 9", "password2": "a brand new passphrase 9"},
    )

    assert (grant.status_code, reset.status_code) == (302, 302)
    assert list(colleague.groups.all()) == [super_admins]
    colleague.refresh_from_db()
    assert colleague.check_password("a brand new passphrase 9")


def test_every_admin_is_audited_or_read_only():
    """A ModelAdmin that can write without the audit mixin would leave changes untraced."""
    request = RequestFactory().get("/admin/")
    request.user = User(email="root@hiroam.test", is_staff=True, is_superuser=True)

    untraced = [
        f"{model._meta.label} ({type(model_admin).__name__})"
        for model, model_admin in admin.site._registry.items()
        if not isinstance(model_admin, AuditedAdminMixin)
        and (
            model_admin.has_add_permission(request)
            or model_admin.has_change_permission(request)
            or model_admin.has_delete_permission(request)
        )
    ]

    assert untraced == []
    assert "token_blacklist" not in {model._meta.app_label for model in admin.site._registry}


@pytest.mark.parametrize(
    ("forwarded_for", "recorded"),
    [("203.0.113.9:51234", "203.0.113.9"), ("garbage, 10.0.0.9", "10.0.0.9"), ("zzz", "10.0.0.5")],
)
def test_an_odd_forwarded_address_never_breaks_an_admin_save(
    client, settings, forwarded_for, recorded
):
    settings.TRUSTED_PROXIES = ["10.0.0.0/8"]
    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    customer = UserFactory.create(full_name="Old Name")

    response = client.post(
        f"/admin/accounts/user/{customer.pk}/change/",
        _change_form(customer, full_name="New Name"),
        REMOTE_ADDR="10.0.0.5",
        HTTP_X_FORWARDED_FOR=forwarded_for,
    )

    assert response.status_code == 302
    assert AdminAuditEntry.objects.get().ip_address == recorded


def test_a_changed_email_must_be_verified_again(client):
    from django.utils import timezone

    client.force_login(UserFactory.create(is_staff=True, is_superuser=True))
    customer = UserFactory.create(email="old@example.com", email_verified_at=timezone.now())

    client.post(
        f"/admin/accounts/user/{customer.pk}/change/",
        _change_form(customer, email="new@example.com"),
    )

    customer.refresh_from_db()
    assert (customer.email, customer.email_verified_at) == ("new@example.com", None)
