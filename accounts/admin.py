"""Admin for people: users, staff roles (groups), the audit trail and the periodic jobs."""

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin as DjangoGroupAdmin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.contrib.auth.models import Group
from django.http import HttpRequest
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)

from accounts.audit import AuditedAdminMixin
from accounts.models import AdminAuditEntry, User


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
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Profile", {"fields": ("full_name", "phone")}),
        (
            "Staff access",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)


admin.site.unregister(Group)


@admin.register(Group)
class RoleAdmin(AuditedAdminMixin, DjangoGroupAdmin):
    pass


@admin.register(AdminAuditEntry)
class AdminAuditEntryAdmin(admin.ModelAdmin):
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

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# Periodic jobs are declared in code (hiroam.periodic) but paused and resumed here, so their
# admins are audited like every other.
for model, base in (
    (PeriodicTask, beat_admin.PeriodicTaskAdmin),
    (CrontabSchedule, beat_admin.CrontabScheduleAdmin),
    (IntervalSchedule, admin.ModelAdmin),
    (SolarSchedule, admin.ModelAdmin),
    (ClockedSchedule, beat_admin.ClockedScheduleAdmin),
):
    admin.site.unregister(model)
    admin.site.register(model, type(base.__name__, (AuditedAdminMixin, base), {}))
