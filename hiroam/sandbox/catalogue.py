"""The fake eSIM Access catalogue: about 2,600 packages, generated the same way every time,
shaped like the real `package/list` answer (prices in 1/10000 USD, volumes in bytes)."""

from functools import lru_cache
from typing import Any

from hiroam.sandbox.countries import COUNTRIES, REGIONS

GB = 1024**3
MB = 1024**2

# (GB, days) of the fixed-volume plans every country gets
FIXED_PLANS = tuple((gb, days) for gb in (1, 3, 5, 10, 20, 50) for days in (7, 15, 30))
# (MB per day, days) of the daily plans: full speed up to the daily volume, then throttled
DAILY_PLANS = ((1024, 7), (2048, 15))
REGION_PLANS = ((1, 7), (3, 15), (5, 30), (10, 30), (20, 30), (50, 90), (20, 180), (3, 7))
GLOBAL_PLANS = (
    (1, 7),
    (3, 15),
    (5, 30),
    (10, 30),
    (20, 60),
    (50, 90),
    (10, 180),
    (3, 30),
    (5, 15),
    (20, 180),
)
TOP_UP_COUNTRIES = ("JP", "KR", "TH", "ID", "SG", "US", "GB", "FR", "DE", "IT", "ES", "AU")
TOP_UP_PLANS = ((1, 7), (3, 15))

PER_GB_UNITS_BY_TIER = {1: 5_000, 2: 8_000, 3: 14_000, 4: 25_000}  # 1/10000 USD
PER_DAY_UNITS = 300
BASE_FEE_UNITS = 2_500


def _price_units(gb: float, days: int, tier: int, serial: int) -> int:
    units = BASE_FEE_UNITS + int(gb * PER_GB_UNITS_BY_TIER[tier]) + days * PER_DAY_UNITS
    units -= units % 100  # whole cents ...
    return units + (50 if serial % 7 == 0 else 0)  # ... except some, so cent rounding is exercised


def _retail_units(price_units: int) -> int:
    retail = price_units * 17 // 10
    return retail - retail % 1000 + 900  # suggested retail ends in .x9


def _operators(code: str, name: str, operators: str) -> list[dict[str, str]]:
    names = operators.split(",") if operators else [f"{name} Mobile", f"{name} Telecom"]
    return [
        {
            "operatorName": operator,
            "networkType": "5G"
            if index == 0 and code in {"JP", "KR", "US", "GB", "DE", "SG"}
            else "4G",
        }
        for index, operator in enumerate(names)
    ]


@lru_cache(maxsize=1)
def _country_networks() -> dict[str, dict[str, Any]]:
    return {
        code: {
            "locationName": name,
            "locationLogo": f"/img/flags/{code.lower()}.png",
            "locationCode": code,
            "operatorList": _operators(code, name, operators),
        }
        for code, name, _tier, operators in COUNTRIES
    }


def _package(
    serial: int,
    *,
    slug: str,
    name: str,
    location_code: str,
    countries: tuple[str, ...],
    volume_bytes: int,
    days: int,
    price_units: int,
    data_type: int = 1,
    top_up_type: int = 2,
    package_type: str = "BASE",
) -> dict[str, Any]:
    networks = _country_networks()
    code_prefix = "TP" if package_type == "TOPUP" else "HS"
    return {
        "packageCode": f"{'TOPUP_' if package_type == 'TOPUP' else ''}{code_prefix}{serial:05d}",
        "slug": slug,
        "name": name,
        "price": price_units,
        "retailPrice": _retail_units(price_units),
        "currencyCode": "USD",
        "volume": volume_bytes,
        "smsStatus": 0,
        "dataType": data_type,
        "unusedValidTime": 180,
        "duration": days,
        "durationUnit": "DAY",
        "location": ",".join(countries),
        "locationCode": location_code,
        "description": name,
        "activeType": 2,
        "speed": "3G/4G/5G",
        "ipExport": countries[0] if len(countries) == 1 else "HK",
        "supportTopUpType": top_up_type,
        "fupPolicy": "512 kbps after the daily volume" if data_type == 2 else "",
        "favorite": False,
        "_type": package_type,  # ours: the real API filters by it but does not echo it
        "locationNetworkList": [networks[code] for code in countries],
    }


def _volume_label(gb: float) -> str:
    return f"{gb:g}GB"


@lru_cache(maxsize=1)
def catalogue() -> tuple[dict[str, Any], ...]:
    packages: list[dict[str, Any]] = []
    tiers = {code: tier for code, _name, tier, _ops in COUNTRIES}

    def add(**fields: Any) -> None:
        packages.append(_package(len(packages) + 1, **fields))

    for code, name, tier, _ops in COUNTRIES:
        for gb, days in FIXED_PLANS:
            add(
                slug=f"{code}_{gb}_{days}",
                name=f"{name} {_volume_label(gb)} {days}Days",
                location_code=code,
                countries=(code,),
                volume_bytes=gb * GB,
                days=days,
                price_units=_price_units(gb, days, tier, len(packages)),
                top_up_type=2 if tier == 1 else 1,
            )
        for mb_per_day, days in DAILY_PLANS:
            add(
                slug=f"{code}_{mb_per_day // 1024}D_{days}",
                name=f"{name} {mb_per_day // 1024}GB/Day {days}Days",
                location_code=code,
                countries=(code,),
                volume_bytes=mb_per_day * MB,
                days=days,
                price_units=_price_units(mb_per_day / 1024 * days * 0.6, days, tier, len(packages)),
                data_type=2,
                top_up_type=3 if tier == 1 else 1,
            )
    for region_code, region_name, members in REGIONS:
        tier = max(tiers[code] for code in members)
        for gb, days in REGION_PLANS:
            add(
                slug=f"{region_code}_{gb}_{days}",
                name=f"{region_name} ({len(members)} areas) {_volume_label(gb)} {days}Days",
                location_code=region_code,
                countries=members,
                volume_bytes=gb * GB,
                days=days,
                price_units=_price_units(gb * 1.3, days, tier, len(packages)),
            )
    every_country = tuple(code for code, _name, _tier, _ops in COUNTRIES)
    for gb, days in GLOBAL_PLANS:
        add(
            slug=f"GL-{len(every_country)}_{gb}_{days}",
            name=f"Global ({len(every_country)} areas) {_volume_label(gb)} {days}Days",
            location_code=f"GL-{len(every_country)}",
            countries=every_country,
            volume_bytes=gb * GB,
            days=days,
            price_units=_price_units(gb * 2.5, days, 4, len(packages)),
        )
    for code in TOP_UP_COUNTRIES:
        name = next(country_name for c, country_name, _t, _o in COUNTRIES if c == code)
        for gb, days in TOP_UP_PLANS:
            add(
                slug=f"TOPUP_{code}_{gb}_{days}",
                name=f"Top up {name} {_volume_label(gb)} {days}Days",
                location_code=code,
                countries=(code,),
                volume_bytes=gb * GB,
                days=days,
                price_units=_price_units(gb, days, tiers[code], len(packages)),
                package_type="TOPUP",
            )
    return tuple(packages)


@lru_cache(maxsize=1)
def packages_by_code() -> dict[str, dict[str, Any]]:
    return {package["packageCode"]: package for package in catalogue()}


@lru_cache(maxsize=1)
def packages_by_slug() -> dict[str, dict[str, Any]]:
    return {package["slug"]: package for package in catalogue()}


def wire_form(package: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in package.items() if not key.startswith("_")}


def find_package(code_or_slug: str) -> dict[str, Any] | None:
    return packages_by_code().get(code_or_slug) or packages_by_slug().get(code_or_slug)


def matching_packages(filters: dict[str, Any]) -> list[dict[str, Any]]:
    """The `package/list` selection: by type (BASE unless asked), location, code, slug."""
    wanted_type = str(filters.get("type") or "BASE").upper()
    location = str(filters.get("locationCode") or "")
    selected = [package for package in catalogue() if package["_type"] == wanted_type]
    if location == "!GL":
        selected = [package for package in selected if package["locationCode"].startswith("GL-")]
    elif location == "!RG":
        selected = [
            package
            for package in selected
            if "-" in package["locationCode"] and not package["locationCode"].startswith("GL-")
        ]
    elif location:
        selected = [package for package in selected if location in package["location"].split(",")]
    for field in ("packageCode", "slug"):
        if filters.get(field):
            selected = [package for package in selected if package[field] == filters[field]]
    return selected
