"""Admin for people: users (with customers' data rights), staff roles (groups), the audit trail
and the periodic jobs."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import partial
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import flatten_fieldsets
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import ManyToManyField, QuerySet
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts import data_rights
from accounts.audit import (
    AuditedAdminMixin,
    ReadOnlyModelAdmin,
    record_admin_action,
    record_admin_change,
)
from accounts.email_verification import queue_verification_email
from accounts.models import AdminAuditEntry, User
from accounts.roles import SUPERUSER_GRANTED_ROLES
from hiroam.api.errors import DomainError


class UserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email",)


class UserEditForm(UserChangeForm):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(AuditedAdminMixin, DjangoUserAdmin):
    form = UserEditForm
    add_form = UserCreationForm
    ordering = ("email",)
    list_display = ("email", "full_name", "is_staff", "is_active", "date_joined")
    list_filter = ("is_staff", "is_superuser", "is_active", "groups")
    search_fields = ("email", "full_name")
    readonly_fields = ("last_login", "date_joined", "email_verified_at")
    actions = ("download_customer_data", "erase_customer")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone", "email_verified_at")}),
        (
            "Staff access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)

    # Staff who are not superusers (user managers) manage accounts but never power: they
    # cannot make anyone a superuser, give direct permissions or grant the superuser-granted
    # roles, and cannot touch an account that holds such power.
    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        readonly = tuple(super().get_readonly_fields(request, obj))
        if request.user.is_superuser:
            return readonly
        return (*readonly, "is_superuser", "user_permissions")

    def formfield_for_manytomany(
        self, db_field: ManyToManyField[Any, Any], request: HttpRequest, **kwargs: Any
    ) -> forms.ModelMultipleChoiceField | None:
        if db_field.name == "groups" and not request.user.is_superuser:
            kwargs["queryset"] = Group.objects.exclude(name__in=_superuser_granted_role_names())
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Also guards the password form, which asks this with the user in question.
        return super().has_change_permission(request, obj) and _may_manage(request, obj)

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        # A changed address is not proved yet: until it is, it links no guest orders and the
        # customer's data requests cover only the account's own orders.
        email_changed = change and "email" in form.changed_data
        if email_changed:
            obj.email_verified_at = None
        super().save_model(request, obj, form, change)
        if email_changed and not obj.is_staff:
            queue_verification_email(user=obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A customer leaves through "Erase customer": a plain delete would keep their email and
        # name on their orders and skip the erasure's checks and its audit entry.
        if isinstance(obj, User) and not obj.is_staff:
            return False
        return super().has_delete_permission(request, obj) and _may_manage(request, obj)

    def get_actions(self, request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        actions = super().get_actions(request, *args, **kwargs)
        actions.pop("delete_selected", None)  # would delete customers too, without erasing
        return actions

    # A customer's data rights (plan 24.3), for requests that reach staff by email or phone:
    # the same services as GET /me/export and DELETE /me.
    @admin.action(description="Download data (JSON)", permissions=["change"])
    def download_customer_data(
        self, request: HttpRequest, queryset: QuerySet[User]
    ) -> HttpResponse | None:
        user = self._one_customer(request, queryset)
        if user is None:
            return None
        export = data_rights.export_customer_data(user=user, now=timezone.now())
        # Staff reading a customer's whole file is itself worth a trace.
        record_admin_change(
            request,
            user,
            action=AdminAuditEntry.Action.ACTION,
            old={},
            new={},
            action_name="download_customer_data",
        )
        response = HttpResponse(
            json.dumps(export, cls=DjangoJSONEncoder, indent=2), content_type="application/json"
        )
        response["Content-Disposition"] = f'attachment; filename="hiroam-customer-{user.pk}.json"'
        return response

    @admin.action(description="Erase customer…", permissions=["delete"])
    def erase_customer(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse | None:
        user = self._one_customer(request, queryset)
        if user is None:
            return None
        if "apply" not in request.POST:
            return TemplateResponse(
                request,
                "admin/accounts/user/erase_customer.html",
                {
                    **self.admin_site.each_context(request),
                    "opts": self.model._meta,
                    "title": "Erase a customer",
                    "customer": user,
                },
            )
        try:
            # The service writes the audit entry itself (without the customer's details).
            counts = data_rights.erase_customer(
                user_id=user.pk, requested_by=_staff(request), now=timezone.now()
            )
        except DomainError as error:
            self.message_user(request, f"Not erased: {error.message}", messages.ERROR)
            return None
        self.message_user(
            request,
            f"Customer erased: {counts.get('orders_anonymised', 0)} order(s) kept anonymised, "
            f"{counts.get('points_ledger_rows_deleted', 0)} points ledger row(s) deleted.",
        )
        return None

    def _one_customer(self, request: HttpRequest, queryset: QuerySet[User]) -> User | None:
        """The single account selected, if this staff member may act on it."""
        users = list(queryset[:2])
        if len(users) != 1:
            self.message_user(request, "Select exactly one customer.", messages.ERROR)
            return None
        if not _may_manage(request, users[0]):
            self.message_user(request, "You may not act on this account.", messages.ERROR)
            return None
        return users[0]


def _staff(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # admin actions run for signed-in staff only
        raise PermissionDenied
    return request.user


def _superuser_granted_role_names() -> list[str]:
    return [role.name for role in SUPERUSER_GRANTED_ROLES]


def _may_manage(request: HttpRequest, user: User | None) -> bool:
    """Whether the staff member behind `request` may change or delete `user`."""
    if user is None or request.user.is_superuser:
        return True
    return not (
        user.is_superuser or user.groups.filter(name__in=_superuser_granted_role_names()).exists()
    )


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    pass


@admin.register(AdminAuditEntry)
class AdminAuditEntryAdmin(ReadOnlyModelAdmin):
    """Read-only: the trail is written by Admin itself and never edited."""

    list_display = (
        "created_at",
        "actor_email",
        "action",
        "content_type",
        "object_repr",
        "ip_address",
    )
    list_filter = (
        "action",
        "content_type",
        ("actor", admin.RelatedOnlyFieldListFilter),
        "created_at",
    )
    date_hierarchy = "created_at"
    search_fields = ("actor_email", "object_repr", "object_id")
    list_select_related = ("content_type",)
    readonly_fields = [field.name for field in AdminAuditEntry._meta.fields]


# Periodic jobs are declared in code (hiroam.periodic) but paused and resumed here, so their
# admins are audited like every other.
def _audited_beat_action(name: str, *, every_object: bool = False) -> Callable[..., None]:
    """django-celery-beat's action `name` (it writes with queryset.update(), which bypasses
    the audit mixin), recording each task it touched; only for staff who may change tasks."""
    original = getattr(beat_admin.PeriodicTaskAdmin, name)

    def action(self: PeriodicTaskAdmin, request: HttpRequest, queryset: QuerySet[Any]) -> None:
        record_admin_action(
            request,
            queryset,
            action_name=name,
            perform=partial(original, self, request, queryset),
            every_object=every_object,
        )

    action.__name__ = name
    return admin.action(description=original.short_description, permissions=["change"])(action)


class PausePeriodicTaskForm(forms.ModelForm):
    """What staff other than superusers may change on a job: whether it runs."""

    class Meta:
        model = PeriodicTask
        fields = ("enabled",)


class PeriodicTaskAdmin(AuditedAdminMixin, beat_admin.PeriodicTaskAdmin):
    """Jobs are declared in code: staff may pause and resume them; only a superuser may edit
    what runs (task, arguments, queue, schedule), since a job runs any task with any arguments."""

    enable_tasks = _audited_beat_action("enable_tasks")
    disable_tasks = _audited_beat_action("disable_tasks")
    toggle_tasks = _audited_beat_action("toggle_tasks")
    run_tasks = _audited_beat_action("run_tasks", every_object=True)

    def get_fieldsets(self, request: HttpRequest, obj: Any = None) -> Any:
        fieldsets = super().get_fieldsets(request, obj)
        if request.user.is_superuser:
            return fieldsets
        # "regtask" is the form's task picker, not a field that can be shown read-only.
        return [
            (title, {**options, "fields": [f for f in options["fields"] if f != "regtask"]})
            for title, options in fieldsets
        ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if request.user.is_superuser:
            return super().get_readonly_fields(request, obj)
        fields = flatten_fieldsets(self.get_fieldsets(request, obj))
        return [name for name in fields if name != "enabled"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        if not request.user.is_superuser:
            kwargs["form"] = PausePeriodicTaskForm  # beat's own form insists on a task name
        return super().get_form(request, obj, change, **kwargs)


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)
for model, base in (
    (CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (IntervalSchedule, admin.ModelAdmin),
    (SolarSchedule, admin.ModelAdmin),
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (AuditedAdminMixin, base), {}))

# simplejwt's token admins show live refresh tokens and let a superuser un-blacklist one
# without a trace; tokens are managed through the API (log out) and flushexpiredtokens only.
admin.site.unregister(OutstandingToken)
admin.site.unregister(BlacklistedToken)
