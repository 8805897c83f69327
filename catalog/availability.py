"""Whether a package can be bought now, and if not why (the plan's checkAvailability)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from catalog.models import EsimPackage, StockType, SyncStatus


@dataclass(frozen=True)
class Availability:
    is_purchasable: bool
    reason: str | None = None
    reason_code: str | None = None  # stable, for clients: inactive, unavailable, discontinued, ...
    available_at: datetime | None = None
    stock_remaining: int | None = None


def availability(package: EsimPackage, now: datetime) -> Availability:
    if not package.is_active:
        return Availability(False, "Product not available", "inactive")
    if package.sync_status == SyncStatus.DISCONTINUED:
        return Availability(False, "No longer available", "discontinued")
    if package.sync_status == SyncStatus.ERROR:
        return Availability(False, "Temporarily unavailable", "sync_error")
    if not package.is_available:
        return Availability(False, package.unavailable_reason or "Not available", "unavailable")
    if package.available_from and package.available_from > now:
        return Availability(False, "Coming soon", "not_yet", available_at=package.available_from)
    if (
        package.available_until and package.available_until <= now
    ):  # over at its end, like schedules
        return Availability(False, "Offer expired", "expired")
    if package.stock_type == StockType.LIMITED:
        remaining = package.stock_quantity or 0
        if remaining <= 0:
            return Availability(False, "Out of stock", "out_of_stock", stock_remaining=0)
        return Availability(True, stock_remaining=remaining)
    return Availability(True)


def next_change_at(packages: Sequence[EsimPackage], now: datetime) -> datetime | None:
    """The next moment any of these packages becomes or stops being available by the clock."""
    moments = [
        moment
        for package in packages
        for moment in (package.available_from, package.available_until)
        if moment is not None and moment > now
    ]
    return min(moments, default=None)
