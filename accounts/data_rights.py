"""A customer's data rights (plan section 24.3): a copy of everything we hold about them.

Accounts holds only the account and the profile; orders, emails, promo code uses and the points
ledger live in apps above it, which accounts may not import. Those apps register a section here
when they load (their AppConfig.ready()): a name and how to export what they hold about a
customer. The export below then covers every app without knowing them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from accounts.models import CustomerProfile, User


@dataclass(frozen=True)
class DataSection:
    """What one app holds about a customer: export(user) answers JSON-able data (datetimes and
    UUIDs allowed)."""

    name: str
    export: Callable[[User], Any]


_OWN_KEYS = frozenset({"exported_at", "account", "profile"})
_sections: dict[str, DataSection] = {}


def register_data_section(section: DataSection) -> None:
    """Called from an AppConfig.ready(); registering a name again replaces it."""
    if section.name in _OWN_KEYS:
        raise ValueError(f"{section.name!r} is a part of the export that accounts writes itself.")
    _sections[section.name] = section


def data_sections() -> list[DataSection]:
    return list(_sections.values())


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
