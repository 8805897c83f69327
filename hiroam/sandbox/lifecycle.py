"""Moving a fake profile through its life, with the webhooks the real provider sends at each
step: download, install, enable, use data, near expiry, expire."""

import secrets
import string
from datetime import datetime, timedelta

from django.db import transaction

from hiroam.sandbox import webhooks
from hiroam.sandbox.models import EsimProfile

# DATA_USAGE is sent when the fraction of data left crosses these thresholds.
USAGE_STEPS = {"use_50": 0.5, "use_80": 0.2, "use_90": 0.1, "use_100": 0.0}
STEPS = ("download", "install", "enable", *USAGE_STEPS, "near_expiry", "expire")
_FINISHED = {"CANCEL", "REVOKED", "USED_EXPIRED", "UNUSED_EXPIRED"}


class LifecycleError(Exception):
    pass


def advance_profile(esim_tran_no: str, step: str, *, now: datetime) -> EsimProfile:
    if step not in STEPS:
        raise LifecycleError(f"unknown step {step!r}; one of {', '.join(STEPS)}")
    with transaction.atomic():
        profile = (
            EsimProfile.objects.select_for_update()
            .select_related("order")
            .filter(esim_tran_no=esim_tran_no)
            .first()
        )
        if profile is None or profile.order.allocated_at is None:
            raise LifecycleError(f"no allocated profile {esim_tran_no}")
        if profile.esim_status in _FINISHED:
            raise LifecycleError(
                f"profile {esim_tran_no} is {profile.esim_status}; nothing more can happen"
            )
        _apply(profile, step, now)
    return profile


def _apply(profile: EsimProfile, step: str, now: datetime) -> None:
    if step in ("download", "install", "enable"):
        _smdp_step(profile, step, now)
    elif step in USAGE_STEPS:
        _use_data(profile, USAGE_STEPS[step], now)
    elif step == "near_expiry":
        profile.expired_at = now + timedelta(days=1)
        profile.save(update_fields=["expired_at"])
        webhooks.emit_esim_access(
            "VALIDITY_USAGE",
            {
                **webhooks.profile_keys(profile),
                "remain": 1,
                "totalDuration": profile.total_duration,
                "durationUnit": profile.duration_unit,
                "expiredTime": profile.expired_at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            },
            now=now,
        )
    else:  # expire
        profile.esim_status = (
            "USED_EXPIRED"
            if profile.used_volume_bytes or profile.activated_at
            else "UNUSED_EXPIRED"
        )
        profile.expired_at = now
        profile.save(update_fields=["esim_status", "expired_at"])
        webhooks.emit_esim_status(profile, now=now)


def _smdp_step(profile: EsimProfile, step: str, now: datetime) -> None:
    smdp_status = {"download": "DOWNLOAD", "install": "INSTALLATION", "enable": "ENABLED"}[step]
    profile.smdp_status = smdp_status
    if not profile.eid:
        profile.eid = "8904" + "".join(secrets.choice(string.digits) for _ in range(28))
    if step == "install":
        profile.installed_at = now
    if step == "enable":
        profile.esim_status = "IN_USE"
        profile.activated_at = profile.activated_at or now
        profile.expired_at = now + timedelta(days=profile.total_duration)
    profile.save()
    webhooks.emit_smdp_event(profile, now=now, sequence=STEPS.index(step) + 1)
    if step == "enable":
        webhooks.emit_esim_status(profile, now=now)


def _use_data(profile: EsimProfile, fraction_left: float, now: datetime) -> None:
    if profile.esim_status != "IN_USE":
        raise LifecycleError("a profile uses data only once enabled (IN_USE)")
    remain = int(profile.total_volume_bytes * fraction_left)
    profile.used_volume_bytes = profile.total_volume_bytes - remain
    profile.usage_updated_at = now
    if remain == 0:
        profile.esim_status = "USED_UP"
    profile.save(update_fields=["used_volume_bytes", "usage_updated_at", "esim_status"])
    if remain == 0:
        webhooks.emit_esim_status(profile, now=now)
        return
    webhooks.emit_esim_access(
        "DATA_USAGE",
        {
            **webhooks.profile_keys(profile),
            "totalVolume": profile.total_volume_bytes,
            "orderUsage": profile.used_volume_bytes,
            "remain": remain,
            "remainThreshold": fraction_left,
            "lastUpdateTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        },
        now=now,
    )
