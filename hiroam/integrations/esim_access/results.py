"""Typed results of the eSIM Access API, converted to our units at the edge: money in USD
cents (the raw 1/10000 USD value kept where we must send it back), volumes in bytes, times as
aware UTC datetimes. Parsing is liberal: unknown fields are ignored, missing ones default."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from hiroam.integrations.units import cost_cents_from_provider_units, parse_provider_time


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _text(value: Any) -> str:
    return "" if value is None else str(value)


@dataclass(frozen=True)
class Operator:
    name: str
    network_type: str


@dataclass(frozen=True)
class LocationNetwork:
    location_code: str
    location_name: str
    location_logo: str
    operators: tuple[Operator, ...]


@dataclass(frozen=True)
class ProviderPackage:
    package_code: str
    slug: str
    name: str
    description: str
    price_units: int  # 1/10000 USD, exactly as the provider prices it (sent back when ordering)
    price_cents: int
    retail_price_cents: int
    currency_code: str
    volume_bytes: int
    sms_status: int  # 0 none, 1 API and phone, 2 API only
    data_type: int  # 1 total, 2 daily throttled, 3 daily cut, 4 daily unlimited
    unused_valid_days: int
    duration: int
    duration_unit: str
    location_codes: tuple[str, ...]
    location_code: str
    active_type: int  # 1 on install, 2 on first network use
    speed: str
    ip_export: str
    support_top_up_type: int  # 1 none, 2 top-up, 3 day-pass top-up
    fup_policy: str
    favorite: bool
    networks: tuple[LocationNetwork, ...]

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> "ProviderPackage":
        price_units = _int(raw.get("price"))
        return cls(
            package_code=_text(raw.get("packageCode")),
            slug=_text(raw.get("slug")),
            name=_text(raw.get("name")),
            description=_text(raw.get("description")),
            price_units=price_units,
            price_cents=cost_cents_from_provider_units(price_units),
            retail_price_cents=cost_cents_from_provider_units(_int(raw.get("retailPrice"))),
            currency_code=_text(raw.get("currencyCode")) or "USD",
            volume_bytes=_int(raw.get("volume")),
            sms_status=_int(raw.get("smsStatus")),
            data_type=_int(raw.get("dataType"), 1),
            unused_valid_days=_int(raw.get("unusedValidTime")),
            duration=_int(raw.get("duration")),
            duration_unit=_text(raw.get("durationUnit")) or "DAY",
            location_codes=tuple(
                code.strip() for code in _text(raw.get("location")).split(",") if code.strip()
            ),
            location_code=_text(raw.get("locationCode")),
            active_type=_int(raw.get("activeType"), 1),
            speed=_text(raw.get("speed")),
            ip_export=_text(raw.get("ipExport")),
            support_top_up_type=_int(raw.get("supportTopUpType"), 1),
            fup_policy=_text(raw.get("fupPolicy")),
            favorite=bool(raw.get("favorite")),
            networks=tuple(
                LocationNetwork(
                    location_code=_text(network.get("locationCode")),
                    location_name=_text(network.get("locationName")),
                    location_logo=_text(network.get("locationLogo")),
                    operators=tuple(
                        Operator(_text(op.get("operatorName")), _text(op.get("networkType")))
                        for op in network.get("operatorList") or []
                    ),
                )
                for network in raw.get("locationNetworkList") or []
            ),
        )


@dataclass(frozen=True)
class OrderLine:
    package_code: str
    count: int
    price_units: int | None = None  # the unit price we expect, so a changed price is refused


@dataclass(frozen=True)
class PlacedOrder:
    order_no: str
    transaction_id: str


@dataclass(frozen=True)
class EsimProfile:
    esim_tran_no: str
    order_no: str
    transaction_id: str
    iccid: str
    imsi: str
    activation_code: str = field(repr=False)  # LPA:1$<smdp address>$<matching id>: a secret
    qr_code_url: str
    short_url: str
    smdp_status: str
    esim_status: str
    total_volume_bytes: int
    used_volume_bytes: int
    expires_at: datetime | None
    total_duration: int
    duration_unit: str
    activated_at: datetime | None
    installed_at: datetime | None
    pin: str = field(repr=False)
    puk: str = field(repr=False)
    apn: str
    package_codes: tuple[str, ...]

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> "EsimProfile":
        return cls(
            esim_tran_no=_text(raw.get("esimTranNo")),
            order_no=_text(raw.get("orderNo")),
            transaction_id=_text(raw.get("transactionId")),
            iccid=_text(raw.get("iccid")),
            imsi=_text(raw.get("imsi")),
            activation_code=_text(raw.get("ac")),
            qr_code_url=_text(raw.get("qrCodeUrl")),
            short_url=_text(raw.get("shortUrl")),
            smdp_status=_text(raw.get("smdpStatus")),
            esim_status=_text(raw.get("esimStatus")),
            total_volume_bytes=_int(raw.get("totalVolume")),
            used_volume_bytes=_int(raw.get("orderUsage")),
            expires_at=parse_provider_time(raw.get("expiredTime")),
            total_duration=_int(raw.get("totalDuration")),
            duration_unit=_text(raw.get("durationUnit")) or "DAY",
            activated_at=parse_provider_time(raw.get("activateTime")),
            installed_at=parse_provider_time(raw.get("installationTime")),
            pin=_text(raw.get("pin")),
            puk=_text(raw.get("puk")),
            apn=_text(raw.get("apn")),
            package_codes=tuple(
                _text(item.get("packageCode"))
                for item in raw.get("packageList") or []
                if item.get("packageCode")
            ),
        )


@dataclass(frozen=True)
class UsageRecord:
    esim_tran_no: str
    used_bytes: int
    total_bytes: int
    updated_at: datetime | None

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> "UsageRecord":
        return cls(
            esim_tran_no=_text(raw.get("esimTranNo")),
            used_bytes=_int(raw.get("dataUsage")),
            total_bytes=_int(raw.get("totalData")),
            updated_at=parse_provider_time(raw.get("lastUpdateTime")),
        )


@dataclass(frozen=True)
class TopUpResult:
    transaction_id: str
    iccid: str
    expires_at: datetime | None
    total_volume_bytes: int
    total_duration: int
    used_volume_bytes: int

    @classmethod
    def from_wire(cls, raw: dict[str, Any]) -> "TopUpResult":
        return cls(
            transaction_id=_text(raw.get("transactionId")),
            iccid=_text(raw.get("iccid")),
            expires_at=parse_provider_time(raw.get("expiredTime")),
            total_volume_bytes=_int(raw.get("totalVolume")),
            total_duration=_int(raw.get("totalDuration")),
            used_volume_bytes=_int(raw.get("orderUsage")),
        )
