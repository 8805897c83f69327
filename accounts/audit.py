"""The admin audit trail: every change made through Admin, with the values before and after.

Every ModelAdmin of ours derives from `AuditedModelAdmin` (or mixes in `AuditedAdminMixin`), so
adding, editing (including many-to-many fields and inlines) and deleting are recorded without
each admin remembering to. Admin actions that change rows through a service call
`record_admin_change` themselves with what they changed; an action that writes with
`queryset.update()` is wrapped in `record_admin_action`, which compares before and after; a
command that only starts work elsewhere ("run the job now") calls `record_admin_command`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.forms import BaseFormSet, ModelForm
from django.http import HttpRequest

from accounts.models import AdminAuditEntry
from hiroam.api.client_ip import client_ip
from hiroam.logging import REDACTED, redact_mapping

logger = logging.getLogger(__name__)

Snapshot = dict[str, Any]


def snapshot(obj: models.Model) -> Snapshot:
    """The current stored values of `obj`: concrete fields (foreign keys as ids) and the ids
    of many-to-many relations."""
    values: Snapshot = {}
    for field in obj._meta.concrete_fields:
        if getattr(field, "auto_now", False):  # "last modified" stamps change on every save
            continue
        values[field.attname] = field.value_from_object(obj)
    if obj.pk is not None:
        for field in obj._meta.many_to_many:
            values[field.name] = sorted(
                str(pk) for pk in getattr(obj, field.name).values_list("pk", flat=True)
            )
    return values


def stored_snapshot(obj: models.Model) -> Snapshot:
    """The values of `obj` as the database holds them now (before a pending save)."""
    if obj.pk is None:
        return {}
    stored = type(obj)._default_manager.filter(pk=obj.pk).first()
    return snapshot(stored) if stored is not None else {}


def _changed(old: Snapshot, new: Snapshot) -> tuple[Snapshot, Snapshot]:
    keys = [key for key in new.keys() | old.keys() if old.get(key) != new.get(key)]
    before = {key: old.get(key) for key in keys}
    after = {key: new.get(key) for key in keys}
    # Secrets (password hashes, keys) are recorded as changed, never by value.
    return redact_mapping(before), redact_mapping(after)


def record_admin_change(
    request: HttpRequest,
    obj: models.Model,
    *,
    action: str,
    old: Snapshot,
    new: Snapshot,
    action_name: str = "",
) -> AdminAuditEntry | None:
    """Writes one audit entry; a change that changed nothing writes nothing."""
    before, after = _changed(old, new)
    if action == AdminAuditEntry.Action.CHANGE and not after:
        return None
    return AdminAuditEntry.objects.create(
        **_entry_fields(request, obj, action, before, after, action_name)
    )


def record_admin_deletions(
    request: HttpRequest, snapshots: Iterable[tuple[models.Model, Snapshot]]
) -> None:
    AdminAuditEntry.objects.bulk_create(
        AdminAuditEntry(
            **_entry_fields(
                request, obj, AdminAuditEntry.Action.DELETE, redact_mapping(old), {}, ""
            )
        )
        for obj, old in snapshots
    )


def record_admin_additions(
    request: HttpRequest, objects: Iterable[models.Model], *, action_name: str = ""
) -> None:
    """One entry per object an admin action created (e.g. a promotion's schedules), in bulk."""
    AdminAuditEntry.objects.bulk_create(
        AdminAuditEntry(
            **_entry_fields(
                request,
                obj,
                AdminAuditEntry.Action.ACTION,
                {},
                redact_mapping(snapshot(obj)),
                action_name,
            )
        )
        for obj in objects
    )


def record_admin_action(
    request: HttpRequest,
    queryset: models.QuerySet[Any],
    *,
    action_name: str,
    perform: Callable[[], object],
    every_object: bool = False,
) -> None:
    """Runs the admin action `perform` on `queryset` and writes an entry for each object it
    changed (for each object, changed or not, with `every_object`: e.g. "run now")."""
    with transaction.atomic():
        before = {obj.pk: (obj, snapshot(obj)) for obj in queryset}
        perform()
        after = {
            obj.pk: snapshot(obj) for obj in queryset.model._default_manager.filter(pk__in=before)
        }
        for pk, (obj, old) in before.items():
            new = after.get(pk, {})
            if every_object or new != old:
                record_admin_change(
                    request,
                    obj,
                    action=AdminAuditEntry.Action.ACTION,
                    old=old,
                    new=new,
                    action_name=action_name,
                )


def record_admin_command(
    request: HttpRequest,
    model: type[models.Model],
    *,
    action_name: str,
    object_id: str,
    object_repr: str,
    details: Snapshot,
) -> AdminAuditEntry:
    """One entry for an admin command that changes no stored row itself, e.g. "run the job
    now" (the run records itself once a worker starts it): `object_id` names what was started
    (a task id), `details` what it was asked to do."""
    return AdminAuditEntry.objects.create(
        **_request_fields(request),
        action=AdminAuditEntry.Action.ACTION,
        action_name=action_name,
        content_type=ContentType.objects.get_for_model(model, for_concrete_model=False),
        object_id=object_id[:64],
        object_repr=object_repr[:200],
        old_values={},
        new_values=redact_mapping(details),
    )


def _entry_fields(
    request: HttpRequest,
    obj: models.Model,
    action: str,
    before: Snapshot,
    after: Snapshot,
    action_name: str,
) -> dict[str, Any]:
    return {
        **_request_fields(request),
        "action": action,
        "action_name": action_name,
        "content_type": ContentType.objects.get_for_model(obj, for_concrete_model=False),
        "object_id": str(obj.pk),
        "object_repr": str(obj)[:200],
        "old_values": before,
        "new_values": after,
    }


def _request_fields(request: HttpRequest) -> dict[str, Any]:
    """Who did it, from where."""
    user = request.user
    return {
        "actor": user if user.is_authenticated else None,
        "actor_email": getattr(user, "email", "") or "",
        "ip_address": client_ip(request) or None,
        "user_agent": request.headers.get("User-Agent", "")[:500],
    }


def remember_before_save(request: HttpRequest, obj: models.Model, change: bool) -> None:
    """Keeps the stored values for the entry written after the save. An admin whose
    save_model writes through a service instead of `obj.save()` calls this itself."""
    request._audit_before = stored_snapshot(obj) if change else {}  # type: ignore[attr-defined]


class AuditedAdminMixin:
    """Records adds, edits, deletions and inline changes made through this ModelAdmin."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: ModelForm[Any], change: bool
    ) -> None:
        # Many-to-many values are saved after save_model (in save_related), so the entry is
        # written there, once the whole object is saved.
        remember_before_save(request, obj, change)
        super().save_model(request, obj, form, change)  # type: ignore[misc]

    def save_related(
        self, request: HttpRequest, form: ModelForm[Any], formsets: Any, change: bool
    ) -> None:
        super().save_related(request, form, formsets, change)  # type: ignore[misc]
        obj = form.instance
        action = AdminAuditEntry.Action.CHANGE if change else AdminAuditEntry.Action.ADD
        record_admin_change(
            request,
            obj,
            action=action,
            old=getattr(request, "_audit_before", {}),
            new=snapshot(obj),
        )
        _mark_audited(request, obj)

    def save_formset(
        self, request: HttpRequest, form: ModelForm[Any], formset: BaseFormSet[Any], change: bool
    ) -> None:
        before = {
            inline_form.instance.pk: stored_snapshot(inline_form.instance)
            for inline_form in formset.forms
            if inline_form.instance.pk is not None
        }
        super().save_formset(request, form, formset, change)  # type: ignore[misc]
        for obj in formset.new_objects:  # type: ignore[attr-defined]
            record_admin_change(
                request, obj, action=AdminAuditEntry.Action.ADD, old={}, new=snapshot(obj)
            )
        for obj, _fields in formset.changed_objects:  # type: ignore[attr-defined]
            record_admin_change(
                request,
                obj,
                action=AdminAuditEntry.Action.CHANGE,
                old=before.get(obj.pk, {}),
                new=snapshot(obj),
            )
        record_admin_deletions(
            request,
            ((obj, before.get(obj.pk, {})) for obj in formset.deleted_objects),  # type: ignore[attr-defined]
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        before = snapshot(obj)
        super().delete_model(request, obj)  # type: ignore[misc]
        record_admin_deletions(request, [(obj, before)])

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet[Any]) -> None:
        before = [(obj, snapshot(obj)) for obj in queryset]
        super().delete_queryset(request, queryset)  # type: ignore[misc]
        record_admin_deletions(request, before)

    def log_change(self, request: HttpRequest, obj: Any, message: Any) -> Any:
        # Views that bypass save_model (the password form) still leave a trace; their
        # values are secret, so only the field names are recorded.
        entry = super().log_change(request, obj, message)  # type: ignore[misc]
        if not _was_audited(request, obj):
            fields = [
                name for part in message or [] for name in part.get("changed", {}).get("fields", [])
            ]
            hidden = {name: REDACTED for name in fields}
            AdminAuditEntry.objects.create(
                **_entry_fields(request, obj, AdminAuditEntry.Action.CHANGE, hidden, hidden, "")
            )
        return entry


def _mark_audited(request: HttpRequest, obj: models.Model) -> None:
    audited = request.__dict__.setdefault("_audited_objects", set())
    audited.add((obj._meta.label, str(obj.pk)))


def _was_audited(request: HttpRequest, obj: models.Model) -> bool:
    return (obj._meta.label, str(obj.pk)) in request.__dict__.get("_audited_objects", set())


class AuditedModelAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """The base of every ModelAdmin in HIROAM."""


class ReadOnlyModelAdmin(admin.ModelAdmin):
    """For records written by the system (audit entries, sync runs): seen, never edited."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def queue_job_from_admin(
    model_admin: admin.ModelAdmin[Any],
    request: HttpRequest,
    *,
    task: Any,
    task_kwargs: dict[str, Any],
    action_name: str,
    object_repr: str,
    queued_message: str,
) -> None:
    """ "Run the job now" from an admin page: queues `task`, audits it under the admin's model,
    and tells the admin what happened (the job records its own run once a worker starts it)."""
    try:
        queued = task.delay(**task_kwargs)
    except Exception:
        logger.exception("Could not queue %s from Admin", task.name)
        model_admin.message_user(
            request,
            "The job could not be queued (the task queue is unreachable); nothing was "
            "started. Try again in a minute.",
            messages.ERROR,
        )
        return
    record_admin_command(
        request,
        model_admin.model,
        action_name=action_name,
        object_id=str(queued.id),
        object_repr=object_repr,
        details={"task": task.name, **task_kwargs},
    )
    model_admin.message_user(request, queued_message, messages.SUCCESS)
