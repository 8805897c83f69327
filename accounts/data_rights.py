"""A customer's data rights (plan section 24.3): a copy of everything we hold about them, and
erasure.

Accounts holds the account, the profile and the person's first touch; orders, emails, promo
code uses and the points ledger live in apps above it, which accounts may not import. Those apps
register a section here when they load (their AppConfig.ready()): a name, how to export what
they hold about a customer and how to erase it, and what makes an erasure wait. The export and
the erasure below then cover every app without knowing them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken

from accounts.acquisition import email_hash
from accounts.models import AdminAuditEntry, CustomerProfile, FirstTouch, TouchRecordedBy, User
from hiroam.api.errors import BusinessRuleError, DomainError, ErrorCode


@dataclass(frozen=True)
class DataSection:
    """What one app holds about a customer.

    export(user) answers JSON-able data (datetimes and UUIDs allowed). erase(user, now) erases
    or anonymises it and answers how many rows it touched, by what they were (for the audit
    entry: counts only, nothing personal). check_erasable(user) raises a
    DomainError saying why the customer cannot be erased yet; it runs, for every section, in
    the erasure's transaction before anything is written, so it may lock what it checks.
    """

    name: str
    export: Callable[[User], Any]
    erase: Callable[[User, datetime], dict[str, int]] | None = None
    check_erasable: Callable[[User], None] | None = None


_OWN_KEYS = frozenset({"exported_at", "account", "profile", "first_touch"})
_sections: dict[str, DataSection] = {}


def register_data_section(section: DataSection) -> None:
    """Called from an AppConfig.ready(); registering a name again replaces it."""
    if section.name in _OWN_KEYS:
        raise ValueError(f"{section.name!r} is a part of the export that accounts writes itself.")
    _sections[section.name] = section


def data_sections() -> list[DataSection]:
    return list(_sections.values())


# ---------------------------------------------------------------------------- access


def export_customer_data(*, user: User, now: datetime) -> dict[str, Any]:
    """Everything we hold about the customer: the account, the profile, then each section."""
    profile = CustomerProfile.objects.filter(user=user).first()
    return {
        "exported_at": now,
        "account": {
            "id": user.pk,
            "email": user.email,
            "email_verified_at": user.email_verified_at,
            "full_name": user.full_name,
            "phone": user.phone,
            "date_joined": user.date_joined,
            "last_login": user.last_login,
        },
        "profile": _profile_data(profile) if profile is not None else None,
        "first_touch": _first_touch_data(user),
        **{section.name: section.export(user) for section in data_sections()},
    }


def _profile_data(profile: CustomerProfile) -> dict[str, Any]:
    fields = (
        "preferred_currency",
        "email_notifications",
        "points_balance",
        "points_reserved",
        "total_points_earned",
        "total_points_spent",
        "total_points_expired",
        "total_orders",
        "total_spent_cents",
        "first_order_at",
        "last_order_at",
        "created_at",
        "updated_at",
    )
    return {name: getattr(profile, name) for name in fields}


def _first_touch_of(user: User) -> FirstTouch | None:
    """The address's first touch, if it is this account's: the address is verified (its
    guest checkouts are the customer's), or the touch was kept when this account signed up.
    Until then it may be a stranger's, who used the address first."""
    touch = FirstTouch.objects.filter(email_hash=email_hash(user.email)).first()
    if touch is None or user.email_verified_at is not None:
        return touch
    own_sign_up = touch.recorded_by == TouchRecordedBy.SIGN_UP
    return touch if own_sign_up and touch.recorded_at >= user.date_joined else None


def _first_touch_data(user: User) -> dict[str, Any] | None:
    touch = _first_touch_of(user)
    if touch is None:
        return None
    fields = ("utm_source", "utm_medium", "utm_campaign", "referrer_host")
    return {
        **{name: getattr(touch, name) for name in fields},
        "recorded_at": touch.recorded_at,
        "recorded_by": touch.recorded_by,
    }


# ---------------------------------------------------------------------------- erasure


class InvalidPasswordError(DomainError):
    code = ErrorCode.INVALID_PASSWORD
    status_code = 403
    message = "The password is wrong."


class StaffAccountNotErasableError(BusinessRuleError):
    code = ErrorCode.STAFF_ACCOUNT_NOT_ERASABLE
    message = "Staff accounts are not erased this way: a superuser first removes the staff access."


ERASE_ACTION = "erase_customer"
# Fields of earlier audit entries (of any model) that name the person or quote them.
_PERSONAL_FIELDS = frozenset(
    {"email", "full_name", "phone", "customer_email", "customer_name", "guest_email", "note"}
)
_ERASED = "[erased]"


def erase_own_account(*, user: User, password: str, now: datetime) -> dict[str, int]:
    """The customer's own request (DELETE /me): confirmed with their password."""
    if not user.check_password(password):
        raise InvalidPasswordError()
    return erase_customer(user_id=user.pk, requested_by=None, now=now)


def erase_customer(*, user_id: Any, requested_by: User | None, now: datetime) -> dict[str, int]:
    """Erases a customer (plan 24.3), all or nothing: each section erases or anonymises its part
    (orders stay, anonymised, for tax), refresh tokens are revoked, earlier audit entries about
    the account lose the person's name, email and phone, the profile and the user are deleted,
    and one audit entry records it without personal data. `requested_by` is the staff member,
    or None for the customer themself. Refused for staff, and while a section says to wait.
    Answers the rows touched, by kind."""
    with transaction.atomic():
        # No-key lock: a completion writing this customer's ledger rows (whose foreign key
        # takes a key-share lock on the user) waits neither for nor against it.
        user = User.objects.select_for_update(no_key=True).get(pk=user_id)
        if user.is_staff or user.is_superuser:
            raise StaffAccountNotErasableError()
        sections = data_sections()
        for section in sections:
            if section.check_erasable is not None:
                section.check_erasable(user)
        counts: dict[str, int] = {}
        for section in sections:
            if section.erase is not None:
                counts.update(section.erase(user, now))
        counts["refresh_tokens_revoked"] = _revoke_refresh_tokens(user)
        _scrub_earlier_audit_entries(user)
        counts["profiles_deleted"] = CustomerProfile.objects.filter(user=user).delete()[0]
        # Whoever's it was (a stranger's guest checkout under an unverified address included):
        # campaign figures lose a row, no one loses data of theirs.
        counts["first_touches_deleted"] = FirstTouch.objects.filter(
            email_hash=email_hash(user.email)
        ).delete()[0]
        erased_id = user.pk
        user.delete()
        _record_erasure(erased_id, requested_by=requested_by, counts=counts, now=now)
    return counts


def _revoke_refresh_tokens(user: User) -> int:
    """Blacklisted now, so they are refused even before the deleted user makes them useless."""
    live = OutstandingToken.objects.filter(user=user, blacklistedtoken__isnull=True)
    revoked = BlacklistedToken.objects.bulk_create(
        [BlacklistedToken(token=token) for token in live], ignore_conflicts=True
    )
    return len(revoked)


def _user_type() -> ContentType:
    return ContentType.objects.get_for_model(User)


def _scrub_earlier_audit_entries(user: User) -> None:
    """The trail of staff changes to the account stays (what was done, by whom, when), but no
    longer says who the customer was."""
    scrub_audit_entries(User, [user.pk], label=f"Erased customer {user.pk}")


def scrub_audit_entries(model: type[Any], object_ids: Iterable[Any], *, label: str = "") -> int:
    """For sections: earlier audit entries about these objects keep what was done, by whom and
    when, but lose the person's name, email, phone and staff notes about them (and their
    title, when `label` replaces it: e.g. a title that is the customer's email)."""
    content_type = ContentType.objects.get_for_model(model, for_concrete_model=False)
    ids = [str(pk) for pk in object_ids]
    entries = AdminAuditEntry.objects.filter(content_type=content_type, object_id__in=ids)
    scrubbed = 0
    for entry in entries:
        entry.object_repr = label or entry.object_repr
        entry.old_values = _without_personal_values(entry.old_values)
        entry.new_values = _without_personal_values(entry.new_values)
        entry.save(update_fields=["object_repr", "old_values", "new_values"])
        scrubbed += 1
    if label:
        LogEntry.objects.filter(content_type=content_type, object_id__in=ids).update(
            object_repr=label
        )
    return scrubbed


def _without_personal_values(values: dict[str, Any]) -> dict[str, Any]:
    return {key: _ERASED if key in _PERSONAL_FIELDS else value for key, value in values.items()}


def _record_erasure(
    erased_id: Any, *, requested_by: User | None, counts: dict[str, int], now: datetime
) -> None:
    """Who asked and what was touched; nothing that identifies the erased person beyond the
    id of an account that no longer exists."""
    AdminAuditEntry.objects.create(
        actor=requested_by,
        actor_email=requested_by.email if requested_by is not None else "",
        action=AdminAuditEntry.Action.ACTION,
        action_name=ERASE_ACTION,
        content_type=_user_type(),
        object_id=str(erased_id),
        object_repr=f"Erased customer {erased_id}",
        new_values={"requested_by": "staff" if requested_by is not None else "customer", **counts},
        created_at=now,
    )
