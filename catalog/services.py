"""Writes to the catalogue made by admins (the sync lives in catalog.sync). Each one drops the
cached catalogue answers once it commits."""

from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import QuerySet

from catalog.cache import invalidate_catalog_cache
from catalog.models import EsimPackage
from hiroam.api.errors import DomainError


def _update_shown(packages: QuerySet[EsimPackage], **fields: Any) -> int:
    """Changes what the shop shows: the update and the cache drop commit together."""
    with transaction.atomic():
        changed = packages.update(**fields)
        invalidate_catalog_cache()
    return changed


def set_packages_active(packages: QuerySet[EsimPackage], *, is_active: bool) -> int:
    return _update_shown(packages, is_active=is_active)


def set_packages_purchasable(
    packages: QuerySet[EsimPackage], *, is_available: bool, reason: str = ""
) -> int:
    """Makes packages buyable again, or not buyable (still shown) with the reason customers see."""
    return _update_shown(
        packages, is_available=is_available, unavailable_reason="" if is_available else reason
    )


def set_packages_featured(packages: QuerySet[EsimPackage], *, is_featured: bool) -> int:
    return _update_shown(packages, is_featured=is_featured)


def set_availability_window(
    packages: QuerySet[EsimPackage],
    *,
    available_from: datetime | None,
    available_until: datetime | None,
) -> int:
    if available_from and available_until and available_until <= available_from:
        raise DomainError("The window must end after it starts.")
    return _update_shown(packages, available_from=available_from, available_until=available_until)
