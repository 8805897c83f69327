"""Fault injection: the next N calls or webhooks of a provider misbehave on purpose."""

from django.db import transaction
from django.db.models import Q

from hiroam.sandbox.models import Fault


def take_fault(target: str, path: str = "") -> str | None:
    """Uses up one injected fault for `target` (and `path`, if the fault names one) and returns
    its kind, or None when there is none."""
    with transaction.atomic():
        fault = (
            Fault.objects.select_for_update(skip_locked=True)
            .filter(Q(path="") | Q(path=path), target=target, remaining__gt=0)
            .order_by("id")
            .first()
        )
        if fault is None:
            return None
        fault.remaining -= 1
        if fault.remaining:
            fault.save(update_fields=["remaining"])
        else:
            fault.delete()
        return fault.kind


def inject_fault(*, target: str, kind: str, count: int = 1, path: str = "") -> Fault:
    if target not in Fault.Target.values or kind not in Fault.Kind.values:
        raise ValueError(f"unknown fault {kind!r} for {target!r}")
    return Fault.objects.create(target=target, kind=kind, remaining=count, path=path)
