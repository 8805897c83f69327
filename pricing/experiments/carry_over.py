"""A guest who signs in keeps the prices they were shown: their variant of each live
experiment becomes their account's, unless the account already has one of its own (it was
assigned first, on another device, and stays: an assignment never changes)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils import timezone

from accounts.visitors import account_visitor
from pricing.experiments.live import live_experiments
from pricing.models import ExperimentAssignment


def carry_over(*, user_id: Any, guest: str, now: datetime) -> int:
    """Stores the account's variants taken from `guest`; returns how many it stored."""
    rows = [
        ExperimentAssignment(
            experiment_id=experiment.id,
            variant_id=experiment.variant_for(guest).id,
            visitor=account_visitor(user_id),
            carried_over=True,
            assigned_at=now,
        )
        for experiment in live_experiments(now)
    ]
    # An account's own earlier assignment wins: the unique (experiment, visitor) skips ours.
    return len(ExperimentAssignment.objects.bulk_create(rows, ignore_conflicts=True))


def on_guest_signed_in(sender: Any, *, user: Any, guest: str, **kwargs: Any) -> None:
    carry_over(user_id=user.pk, guest=guest, now=timezone.now())
