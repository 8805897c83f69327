"""An installed eSIM's life, from eSIM Access's events: SM-DP+ steps, eSIM status, data usage
and validity. Events arrive late, twice or out of order; none ever moves a profile backwards
(a later state is never replaced by an earlier one). A download, install or enable makes the
profile not refundable: the customer is using what they bought."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.dateparse import parse_datetime

from hiroam.integrations.errors import ProviderUnavailable
from orders.emails import queue_profile_email
from orders.models import EsimProfile, ProfileStatus, RefundStatus, SmdpStatus
from orders.states import REFUND

# The provider's spellings, and how far along each state is (same rank: may alternate).
ESIM_STATES: dict[str, tuple[str, int]] = {
    "CREATE": (ProfileStatus.ORDERED, 1),
    "PAYING": (ProfileStatus.ORDERED, 1),
    "PAID": (ProfileStatus.ORDERED, 1),
    "GETTING_RESOURCE": (ProfileStatus.ORDERED, 1),
    "GOT_RESOURCE": (ProfileStatus.GOT_RESOURCE, 2),
    "IN_USE": (ProfileStatus.IN_USE, 3),
    "SUSPENDED": (ProfileStatus.SUSPENDED, 3),
    "USED_UP": (ProfileStatus.USED_UP, 4),
    "UNUSED_EXPIRED": (ProfileStatus.EXPIRED, 5),
    "USED_EXPIRED": (ProfileStatus.EXPIRED, 5),
    "CANCEL": (ProfileStatus.CANCELLED, 6),
    "REVOKED": (ProfileStatus.REVOKED, 6),
    "REVOKE": (ProfileStatus.REVOKED, 6),
}
ESIM_RANK = {status: rank for status, rank in ESIM_STATES.values()} | {
    ProfileStatus.PENDING: 0,
    ProfileStatus.FAILED: 0,
}
SMDP_STATES: dict[str, tuple[str, int, str | None]] = {
    "RELEASED": (SmdpStatus.RELEASED, 1, None),
    "DOWNLOAD": (SmdpStatus.DOWNLOADED, 2, "downloaded_at"),
    "INSTALLATION": (SmdpStatus.INSTALLED, 3, "installed_at"),
    "ENABLED": (SmdpStatus.ENABLED, 4, "enabled_at"),
    "DISABLED": (SmdpStatus.DISABLED, 4, None),
    "DELETED": (SmdpStatus.DELETED, 5, None),
}
SMDP_RANK = {status: rank for status, rank, _ in SMDP_STATES.values()} | {SmdpStatus.PENDING: 0}
USED_BY_CUSTOMER = frozenset({SmdpStatus.DOWNLOADED, SmdpStatus.INSTALLED, SmdpStatus.ENABLED})
USAGE_ALERT_PERCENTAGES = (50, 80, 90)
FINISHED = frozenset(
    {ProfileStatus.USED_UP, ProfileStatus.EXPIRED, ProfileStatus.CANCELLED, ProfileStatus.REVOKED}
)


class ProfileNotRecordedYet(ProviderUnavailable):
    """An event about a profile we have not stored yet (its ORDER_STATUS is still being
    processed): tried again shortly."""


def _locked_profile(content: dict[str, Any]) -> EsimProfile:
    """The profile an event is about: by its esimTranNo when it has one (ICCIDs are reused by
    the provider, so an ICCID alone could name another customer's old eSIM); by ICCID only
    without one, and then the newest."""
    profiles = EsimProfile.objects.select_for_update()
    tran_no, iccid = content.get("esimTranNo"), content.get("iccid")
    if tran_no:
        found = profiles.filter(esim_tran_no=str(tran_no)).first()
    elif iccid:
        found = profiles.filter(iccid=str(iccid)).order_by("-created_at").first()
    else:
        found = None
    if found is None:
        raise ProfileNotRecordedYet(
            f"No profile for esimTranNo {tran_no} / ICCID {iccid}", provider="esim_access"
        )
    return found


def apply_status(content: dict[str, Any], occurred: datetime) -> str:
    """ESIM_STATUS and SMDP_EVENT: the statuses move forward only."""
    with transaction.atomic():
        profile = _locked_profile(content)
        changed = _forward_esim(profile, str(content.get("esimStatus") or ""))
        changed |= _forward_smdp(profile, str(content.get("smdpStatus") or ""), occurred)
        if changed:
            profile.save()
    return "updated" if changed else "nothing new"


def _forward_esim(profile: EsimProfile, provider_status: str) -> bool:
    known = ESIM_STATES.get(provider_status.upper())
    if known is None or known[1] < ESIM_RANK.get(profile.esim_status, 0):
        return False
    changed = profile.esim_status != known[0]
    profile.esim_status = known[0]
    return changed


def _forward_smdp(profile: EsimProfile, provider_status: str, occurred: datetime) -> bool:
    known = SMDP_STATES.get(provider_status.upper())
    if known is None:
        return False
    status, rank, stamp = known
    changed = False
    if stamp and getattr(profile, stamp) is None:
        setattr(profile, stamp, occurred)  # when it happened, even if reported late
        changed = True
    if rank >= SMDP_RANK.get(profile.smdp_status, 0) and profile.smdp_status != status:
        profile.smdp_status = status
        changed = True
    # Downloaded, installed or enabled: never cancellable again, whenever it happens before
    # the cancel (also while the refund job is about to ask the provider).
    if status in USED_BY_CUSTOMER and REFUND.allows(
        profile.refund_status, RefundStatus.NOT_REFUNDABLE
    ):
        profile.refund_status = RefundStatus.NOT_REFUNDABLE
        changed = True
    return changed


def apply_usage(content: dict[str, Any], now: datetime) -> str:
    """DATA_USAGE: the figures (never lower than already seen), and a usage alert email once
    per threshold crossed (50, 80, 90 %)."""
    with transaction.atomic():
        profile = _locked_profile(content)
        total = _bytes(content.get("totalVolume")) or profile.data_total_bytes or 0
        used = max(_bytes(content.get("orderUsage")), profile.data_used_bytes)
        profile.data_total_bytes = total or None
        profile.data_used_bytes = used
        profile.usage_percentage = min(100, used * 100 // total) if total else 0
        profile.save(
            update_fields=["data_total_bytes", "data_used_bytes", "usage_percentage", "updated_at"]
        )
        crossed = [p for p in USAGE_ALERT_PERCENTAGES if profile.usage_percentage >= p]
        if crossed:  # the highest crossed: a customer at 95 % gets one email, not three
            queue_profile_email(profile, f"usage_alert_{crossed[-1]}")
    return f"usage {profile.usage_percentage}%"


def apply_validity(content: dict[str, Any]) -> str:
    """VALIDITY_USAGE: the expiry date, and the expiry reminder email (once)."""
    with transaction.atomic():
        profile = _locked_profile(content)
        expires = parse_datetime(str(content.get("expiredTime") or ""))
        if expires is not None:
            profile.expires_at = expires
            profile.save(update_fields=["expires_at", "updated_at"])
        if profile.esim_status in FINISHED:
            return "finished: no reminder"
        queue_profile_email(profile, "expiry_reminder")
    return "expiry reminder"


def _bytes(value: Any) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return 0
