"""Price schedules: their own list (active now, upcoming, ended) and the inline on a package's
prices. However a schedule is saved here, its change lands in the price history and the admin
sees the warnings (same-priority overlaps, prices below cost)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from catalog.admin import CatalogueAdmin
from pricing.guards import schedule_warnings
from pricing.models import PriceSchedule
from pricing.services import SCHEDULE_FIELDS, record_schedule_change, schedule_terms


def in_words(moment: datetime, now: datetime) -> str:
    """ "in 3 days", "in 5 hours", "in 12 minutes" (or "… ago"): how far `moment` is."""
    seconds = int((moment - now).total_seconds())
    size = abs(seconds)
    for unit, length in (("day", 86_400), ("hour", 3_600), ("minute", 60)):
        if size >= length:
            count = size // length
            text = f"{count} {unit}{'s' if count != 1 else ''}"
            return f"in {text}" if seconds > 0 else f"{text} ago"
    return "now"


def schedule_status(schedule: PriceSchedule, now: datetime) -> str:
    """ "ends in 3 days", "starts in 5 days", "ended 2 days ago" or "switched off"."""
    if not schedule.is_active:
        return "switched off"
    if now < schedule.starts_at:
        return f"starts {in_words(schedule.starts_at, now)}"
    if now < schedule.ends_at:
        return f"live, ends {in_words(schedule.ends_at, now)}"
    return f"ended {in_words(schedule.ends_at, now)}"


class ScheduleStateFilter(admin.SimpleListFilter):
    title = "state"
    parameter_name = "state"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        return [
            ("live", "Active now"),
            ("upcoming", "Upcoming"),
            ("ended", "Ended"),
            ("off", "Switched off"),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[PriceSchedule]
    ) -> QuerySet[PriceSchedule]:
        now = timezone.now()
        conditions = {
            "live": Q(is_active=True, starts_at__lte=now, ends_at__gt=now),
            "upcoming": Q(is_active=True, starts_at__gt=now),
            "ended": Q(ends_at__lte=now),
            "off": Q(is_active=False),
        }
        chosen = self.value() or ""
        return queryset.filter(conditions[chosen]) if chosen in conditions else queryset


def warn(
    request: HttpRequest, model_admin: admin.ModelAdmin[Any], schedules: Sequence[Any]
) -> None:
    for warning in schedule_warnings(list(schedules)):
        model_admin.message_user(request, warning, messages.WARNING)


@admin.register(PriceSchedule)
class PriceScheduleAdmin(CatalogueAdmin):
    list_display = (
        "schedule_name",
        "package",
        "schedule_type",
        "discount_type",
        "discount_value",
        "override_price_usd_cents",
        "starts_at",
        "ends_at",
        "when",
        "priority",
        "badge_text",
        "is_active",
    )
    list_filter = (ScheduleStateFilter, "schedule_type", "discount_type", "priority")
    search_fields = ("schedule_name", "package__package_code", "package__name", "badge_text")
    list_select_related = ("package",)
    autocomplete_fields = ("package",)
    readonly_fields = ("created_by", "created_at", "updated_at")
    date_hierarchy = "starts_at"

    @admin.display(description="when")
    def when(self, schedule: PriceSchedule) -> str:
        return schedule_status(schedule, timezone.now())

    def save_model(self, request: HttpRequest, obj: PriceSchedule, form: Any, change: bool) -> None:
        if not change and request.user.is_authenticated:
            obj.created_by = request.user
        stored = PriceSchedule.objects.filter(pk=obj.pk).first() if change else None
        before = schedule_terms(stored) if stored else None
        super().save_model(request, obj, form, change)
        record_schedule_change(
            schedule=obj,
            before=before,
            after=schedule_terms(obj),
            user=request.user,
            reason="changed in Admin" if change else "created in Admin",
        )
        warn(request, self, [obj])

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        record_schedule_change(
            schedule=obj,
            before=schedule_terms(obj),
            after=None,
            user=request.user,
            reason="deleted in Admin",
        )
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        for schedule in queryset:
            record_schedule_change(
                schedule=schedule,
                before=schedule_terms(schedule),
                after=None,
                user=request.user,
                reason="deleted in Admin",
            )
        super().delete_queryset(request, queryset)


class PriceScheduleInline(admin.TabularInline):  # type: ignore[type-arg]
    """The package's schedules on its prices page; saved through `save_schedules` below."""

    model = PriceSchedule
    extra = 0
    fields = (*SCHEDULE_FIELDS, "when")
    readonly_fields = ("when",)
    ordering = ("-ends_at",)

    @admin.display(description="when")
    def when(self, schedule: PriceSchedule) -> str:
        return "" if schedule._state.adding else schedule_status(schedule, timezone.now())


def save_schedules(
    request: HttpRequest, formset: Any, save: Callable[[], None]
) -> list[PriceSchedule]:
    """Runs `save` (the audited formset save) for an inline formset of schedules and writes
    history rows for what it created, changed or deleted. Returns the saved schedules."""
    before = {
        stored.pk: schedule_terms(stored)
        for stored in PriceSchedule.objects.filter(
            pk__in=[form.instance.pk for form in formset.initial_forms]
        )
    }
    if request.user.is_authenticated:
        for form in formset.extra_forms:
            form.instance.created_by = request.user
    # Saving clears a deleted instance's primary key: keep its terms by the object first.
    deleted_terms = {
        id(form.instance): before.get(form.instance.pk) for form in formset.deleted_forms
    }
    save()
    changes: list[tuple[PriceSchedule, str]] = [
        *((schedule, "created in Admin") for schedule in formset.new_objects),
        *((schedule, "changed in Admin") for schedule, _ in formset.changed_objects),
    ]
    for schedule, reason in changes:
        record_schedule_change(
            schedule=schedule,
            before=before.get(schedule.pk),
            after=schedule_terms(schedule),
            user=request.user,
            reason=reason,
        )
    for schedule in formset.deleted_objects:
        record_schedule_change(
            schedule=schedule,
            before=deleted_terms.get(id(schedule)),
            after=None,
            user=request.user,
            reason="deleted in Admin",
        )
    return [schedule for schedule, _ in changes]
