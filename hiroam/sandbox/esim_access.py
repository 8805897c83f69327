"""The fake eSIM Access: what each endpoint does to the sandbox's state. Views turn the
results into the real envelope; refusals are FakeEsimError with the real error codes."""

import secrets
import string
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from hiroam.integrations.units import format_provider_time
from hiroam.sandbox import catalogue, webhooks
from hiroam.sandbox.models import EsimAccessAccount, EsimOrder, EsimProfile, EsimTopUp

SMDP_ADDRESS = "smdp.sandbox.esimaccess.local"
CANCELLABLE = ("GOT_RESOURCE", "RELEASED")


class FakeEsimError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def account_for(access_code: str) -> EsimAccessAccount | None:
    """The account of an access code; the configured development account is created on first
    use with the starting balance."""
    account = EsimAccessAccount.objects.filter(access_code=access_code).first()
    if account is None and access_code == settings.ESIM_ACCESS_CODE:
        account, _ = EsimAccessAccount.objects.get_or_create(
            access_code=access_code,
            defaults={
                "secret_key": settings.ESIM_SECRET_KEY,
                "balance_units": settings.SANDBOX_ESIM_STARTING_BALANCE_CENTS * 100,
            },
        )
    return account


def _digits(count: int) -> str:
    return "".join(secrets.choice(string.digits) for _ in range(count))


def _required(payload: dict[str, Any], field: str) -> Any:
    value = payload.get(field)
    if value in (None, "", []):
        raise FakeEsimError("000105", f"{field} is required")
    return value


# ---------------------------------------------------------------------------- package/list
def list_packages(payload: dict[str, Any]) -> dict[str, Any]:
    return {
        "packageList": [
            catalogue.wire_form(package) for package in catalogue.matching_packages(payload)
        ]
    }


# ---------------------------------------------------------------------------- esim/order
def order(account: EsimAccessAccount, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    transaction_id = str(_required(payload, "transactionId"))
    if len(transaction_id) > 50:
        raise FakeEsimError("000106", "transactionId is longer than 50 characters")
    existing = EsimOrder.objects.filter(account=account, transaction_id=transaction_id).first()
    if existing is not None:  # the same request again: the same order, charged once
        return {"orderNo": existing.order_no, "transactionId": transaction_id}
    lines = _priced_lines(_required(payload, "packageInfoList"))
    total_units = sum(package["price"] * count for package, count in lines)
    if payload.get("amount") not in (None, "") and int(payload["amount"]) != total_units:
        raise FakeEsimError("200006", "order amount is wrong")
    for _attempt in range(ORDER_NUMBER_ATTEMPTS):
        try:
            placed = _place(account, transaction_id, lines, total_units, now)
        except IntegrityError:
            existing = EsimOrder.objects.filter(
                account=account, transaction_id=transaction_id
            ).first()
            if existing is not None:  # a concurrent request with the same transactionId won
                return {"orderNo": existing.order_no, "transactionId": transaction_id}
            continue  # the order number was drawn twice this minute: draw another
        return {"orderNo": placed.order_no, "transactionId": transaction_id}
    raise FakeEsimError("999999", "could not number the order; try again")


# The provider's order numbers carry the minute and 4 random digits: hundreds of orders in one
# minute (a load test) draw the same number now and then.
ORDER_NUMBER_ATTEMPTS = 5


def _place(
    account: EsimAccessAccount,
    transaction_id: str,
    lines: list[tuple[dict[str, Any], int]],
    total_units: int,
    now: datetime,
) -> EsimOrder:
    with transaction.atomic():
        locked = EsimAccessAccount.objects.select_for_update().get(pk=account.pk)
        if locked.balance_units < total_units:
            raise FakeEsimError("200007", "insufficient account balance")
        locked.balance_units -= total_units
        locked.save(update_fields=["balance_units"])
        placed = EsimOrder.objects.create(
            account=locked,
            order_no=f"B{now:%y%m%d%H%M}{_digits(4)}",
            transaction_id=transaction_id,
            total_units=total_units,
            created_at=now,
            ready_at=now + timedelta(seconds=settings.SANDBOX_ESIM_ALLOCATION_SECONDS),
        )
        EsimProfile.objects.bulk_create(
            _new_profile(placed, package, now) for package, count in lines for _ in range(count)
        )
        transaction.on_commit(lambda: _schedule_allocation(placed))
    return placed


def _priced_lines(items: Any) -> list[tuple[dict[str, Any], int]]:
    if not isinstance(items, list):
        raise FakeEsimError("000106", "packageInfoList must be a list")
    lines = []
    for item in items:
        package = catalogue.find_package(str(item.get("packageCode") or item.get("slug") or ""))
        if package is None or package["_type"] != "BASE":
            raise FakeEsimError("310241", "packageCode does not exist")
        count = int(item.get("count") or 0)
        if count < 1:
            raise FakeEsimError("000106", "count must be at least 1")
        if item.get("price") not in (None, "") and int(item["price"]) != package["price"]:
            raise FakeEsimError("200005", "package price is wrong")
        lines.append((package, count))
    return lines


def _new_profile(placed: EsimOrder, package: dict[str, Any], now: datetime) -> EsimProfile:
    return EsimProfile(
        order=placed,
        esim_tran_no=_digits(14),
        iccid="8985" + _digits(16),
        imsi="45400" + _digits(10),
        matching_id="".join(
            secrets.choice(string.ascii_uppercase + string.digits) for _ in range(20)
        ),
        package_code=package["packageCode"],
        price_units=package["price"],
        total_volume_bytes=package["volume"],
        total_duration=package["duration"],
        expired_at=now + timedelta(days=package["unusedValidTime"]),
    )


def _schedule_allocation(placed: EsimOrder) -> None:
    from hiroam.sandbox.tasks import allocate_order

    allocate_order.apply_async(
        args=(placed.order_no,), countdown=settings.SANDBOX_ESIM_ALLOCATION_SECONDS
    )


def allocate_if_due(placed: EsimOrder, now: datetime) -> bool:
    """Allocates the order's profiles once its delay has passed (by the scheduled task, or
    lazily by a query), then tells HIROAM by ORDER_STATUS webhook. Idempotent."""
    if placed.allocated_at is not None:
        return True
    if now < placed.ready_at:
        return False
    with transaction.atomic():
        locked = EsimOrder.objects.select_for_update().get(pk=placed.pk)
        if locked.allocated_at is not None:
            return True
        locked.profiles.update(esim_status="GOT_RESOURCE", smdp_status="RELEASED")
        locked.allocated_at = now
        locked.save(update_fields=["allocated_at"])
        webhooks.emit_esim_access(
            "ORDER_STATUS",
            {
                "orderNo": locked.order_no,
                "orderStatus": "GOT_RESOURCE",
                "transactionId": locked.transaction_id,
            },
            now=now,
        )
    placed.allocated_at = now
    return True


# ---------------------------------------------------------------------------- esim/query
def query(
    account: EsimAccessAccount, payload: dict[str, Any], now: datetime, base_url: str
) -> dict[str, Any]:
    pager = payload.get("pager")
    if not isinstance(pager, dict):
        raise FakeEsimError("000105", "pager is required")
    page_number, page_size = int(pager.get("pageNum") or 1), int(pager.get("pageSize") or 0)
    if not 5 <= page_size <= 500 or page_number < 1:
        raise FakeEsimError("000106", "pageSize must be 5-500 and pageNum at least 1")
    profiles = EsimProfile.objects.filter(order__account=account).select_related("order")
    if payload.get("orderNo"):
        placed = EsimOrder.objects.filter(account=account, order_no=payload["orderNo"]).first()
        if placed is None:
            raise FakeEsimError("310272", "orderNo does not exist")
        if not allocate_if_due(placed, now):
            raise FakeEsimError("200010", "profiles are being allocated, please query later")
        profiles = profiles.filter(order=placed)
    elif payload.get("iccid"):
        profiles = profiles.filter(iccid=payload["iccid"])
    elif payload.get("esimTranNo"):
        profiles = profiles.filter(esim_tran_no=payload["esimTranNo"])
    elif payload.get("startTime") and payload.get("endTime"):
        profiles = profiles.filter(
            order__created_at__range=(payload["startTime"], payload["endTime"])
        )
    else:
        raise FakeEsimError("000105", "orderNo, iccid, esimTranNo or startTime+endTime is required")
    profiles = profiles.filter(order__allocated_at__isnull=False)
    total = profiles.count()
    page = profiles[(page_number - 1) * page_size : page_number * page_size]
    return {
        "esimList": [profile_wire(profile, base_url) for profile in page],
        "pager": {"pageNum": page_number, "pageSize": page_size, "total": total},
    }


def profile_wire(profile: EsimProfile, base_url: str) -> dict[str, Any]:
    package = catalogue.packages_by_code().get(profile.package_code, {})
    return {
        "esimTranNo": profile.esim_tran_no,
        "orderNo": profile.order.order_no,
        "transactionId": profile.order.transaction_id,
        "iccid": profile.iccid,
        "imsi": profile.imsi,
        "ac": activation_code(profile),
        "qrCodeUrl": f"{base_url}/sandbox/esim-access/qr/{profile.esim_tran_no}.png",
        "shortUrl": f"{base_url}/sandbox/esim-access/qr/{profile.esim_tran_no}.png",
        "smdpStatus": profile.smdp_status,
        "esimStatus": profile.esim_status,
        "totalVolume": profile.total_volume_bytes,
        "orderUsage": profile.used_volume_bytes,
        "expiredTime": format_provider_time(profile.expired_at),
        "totalDuration": profile.total_duration,
        "durationUnit": profile.duration_unit,
        "activateTime": format_provider_time(profile.activated_at)
        if profile.activated_at
        else None,
        "installationTime": format_provider_time(profile.installed_at)
        if profile.installed_at
        else None,
        "pin": "1234",
        "puk": "12345678",
        "apn": "sandbox.esim",
        "packageList": [
            {
                "packageCode": profile.package_code,
                "packageName": package.get("name", ""),
                "volume": profile.total_volume_bytes,
                "duration": profile.total_duration,
                "durationUnit": profile.duration_unit,
                "locationCode": package.get("locationCode", ""),
            }
        ],
    }


def activation_code(profile: EsimProfile) -> str:
    return f"LPA:1${SMDP_ADDRESS}${profile.matching_id}"


def _profile(
    account: EsimAccessAccount, payload: dict[str, Any], *, lock: bool = False
) -> EsimProfile:
    key = (
        {"esim_tran_no": payload["esimTranNo"]}
        if payload.get("esimTranNo")
        else {"iccid": payload.get("iccid")}
    )
    if not any(key.values()):
        raise FakeEsimError("000105", "esimTranNo or iccid is required")
    profiles = EsimProfile.objects.filter(
        order__account=account, order__allocated_at__isnull=False, **key
    )
    profile = (profiles.select_for_update() if lock else profiles).select_related("order").first()
    if profile is None:
        raise FakeEsimError("000106", "esimTranNo or iccid does not exist")
    return profile


# ---------------------------------------------------------------------------- esim/cancel
def cancel(account: EsimAccessAccount, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    with transaction.atomic():
        profile = _profile(account, payload, lock=True)
        if (profile.esim_status, profile.smdp_status) != CANCELLABLE:
            raise FakeEsimError("200002", "operation not allowed in the profile's current status")
        profile.esim_status = "CANCEL"
        profile.save(update_fields=["esim_status"])
        locked = EsimAccessAccount.objects.select_for_update().get(pk=account.pk)
        locked.balance_units += profile.price_units
        locked.save(update_fields=["balance_units"])
        webhooks.emit_esim_status(profile, now=now)
    return {}


# ---------------------------------------------------------------------------- esim/usage/query
def usage(account: EsimAccessAccount, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    numbers = payload.get("esimTranNoList")
    if not isinstance(numbers, list) or not numbers:
        raise FakeEsimError("000105", "esimTranNoList is required")
    if len(numbers) > 10:
        raise FakeEsimError("000106", "at most 10 esimTranNo per query")
    profiles = EsimProfile.objects.filter(order__account=account, esim_tran_no__in=numbers)
    return {
        "esimUsageList": [
            {
                "esimTranNo": profile.esim_tran_no,
                "dataUsage": profile.used_volume_bytes,
                "totalData": profile.total_volume_bytes,
                "lastUpdateTime": format_provider_time(profile.usage_updated_at or now),
            }
            for profile in profiles
        ]
    }


# ---------------------------------------------------------------------------- esim/topup
def top_up(account: EsimAccessAccount, payload: dict[str, Any], now: datetime) -> dict[str, Any]:
    transaction_id = str(_required(payload, "transactionId"))
    package = catalogue.find_package(str(_required(payload, "packageCode")))
    if package is None or package["_type"] != "TOPUP":
        raise FakeEsimError("310241", "packageCode does not exist")
    with transaction.atomic():
        profile = _profile(account, payload, lock=True)
        if not EsimTopUp.objects.filter(transaction_id=transaction_id).exists():
            locked = EsimAccessAccount.objects.select_for_update().get(pk=account.pk)
            if locked.balance_units < package["price"]:
                raise FakeEsimError("200007", "insufficient account balance")
            locked.balance_units -= package["price"]
            locked.save(update_fields=["balance_units"])
            profile.total_volume_bytes += package["volume"]
            profile.total_duration += package["duration"]
            profile.expired_at += timedelta(days=package["duration"])
            profile.save(update_fields=["total_volume_bytes", "total_duration", "expired_at"])
            EsimTopUp.objects.create(
                profile=profile, transaction_id=transaction_id, package_code=package["packageCode"]
            )
    return {
        "transactionId": transaction_id,
        "iccid": profile.iccid,
        "expiredTime": format_provider_time(profile.expired_at),
        "totalVolume": profile.total_volume_bytes,
        "totalDuration": profile.total_duration,
        "orderUsage": profile.used_volume_bytes,
    }


# ---------------------------------------------------------------------------- balance/query
def balance(account: EsimAccessAccount) -> dict[str, Any]:
    account.refresh_from_db(fields=["balance_units"])
    return {"balance": account.balance_units}
