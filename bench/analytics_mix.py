"""The shape of two years of a shop's sales, for bench/analytics_data.py: how many orders a
day, at what hour, of which packages, from which sources, with which codes and sales. Plain
Python and numbers only (no database): every choice is drawn from a seeded `random.Random`.

The figures are plausible, not measured: an eSIM reseller growing threefold in two years,
busier on Fridays and weekends and in the northern summer and at year end, selling Japan,
Thailand, Korea and Europe far more than anything else.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from itertools import accumulate

USD_TO_IDR = 16_000  # the catalogue's conversion rate (CATALOG_USD_TO_IDR_RATE's default)

# ------------------------------------------------------------------------------ volume in time
GROWTH_OVER_RANGE = 3.0  # the last day sells three times what the first did
WEEKDAY_FACTORS = (0.93, 0.90, 0.94, 0.99, 1.09, 1.12, 1.03)  # Monday .. Sunday
# Orders by hour of the day (UTC): customers in Asia, Europe and the Americas.
HOUR_WEIGHTS = (
    *(3.0, 2.6, 2.6, 3.0, 3.6, 4.2, 4.6, 5.0, 5.0, 5.0, 5.0, 5.4),
    *(6.0, 6.4, 6.5, 6.2, 5.6, 5.1, 4.6, 4.5, 4.2, 4.0, 3.6, 3.2),
)


def day_weight(day: date, position: float, rng: random.Random) -> float:
    """Relative sales of `day`; `position` runs from 0 (the first day) to 1 (the last)."""
    growth = GROWTH_OVER_RANGE**position
    season = 1 + 0.22 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)
    if (day.month == 12 and day.day >= 18) or (day.month == 1 and day.day <= 4):
        season *= 1.18  # year-end holidays
    if day.month == 11 and day.weekday() in (4, 5, 6, 0) and _black_friday(day.year) <= day:
        season *= 1.6 if day <= _black_friday(day.year) + timedelta(days=3) else 1.0
    return growth * season * WEEKDAY_FACTORS[day.weekday()] * rng.lognormvariate(0, 0.06)


def _black_friday(year: int) -> date:
    first = date(year, 11, 1)
    thursday = first + timedelta(days=(3 - first.weekday()) % 7 + 21)
    return thursday + timedelta(days=1)


def split_exactly(total: int, weights: list[float]) -> list[int]:
    """`total` shared out in proportion to `weights`, largest remainders first: the shares
    always add up to exactly `total`."""
    whole = sum(weights)
    exact = [total * weight / whole for weight in weights]
    shares = [int(value) for value in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: shares[i] - exact[i])
    for index in by_remainder[: total - sum(shares)]:
        shares[index] += 1
    return shares


HOUR_TOTALS = tuple(accumulate(HOUR_WEIGHTS))


def moment_in(day: date, rng: random.Random, until: datetime | None = None) -> datetime:
    """A moment of `day` (busier hours likelier), before `until` if given."""
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    while True:
        hour = rng.choices(range(24), cum_weights=HOUR_TOTALS)[0]
        moment = start + timedelta(hours=hour, seconds=rng.randrange(3600))
        if until is None or moment < until:
            return moment
        if until <= start:
            raise ValueError(f"{day} is after {until}")


# ------------------------------------------------------------------------------ packages
# How much each destination sells (a package's location code); anything else counts 2.
DESTINATION_WEIGHTS = {
    "JP": 100, "TH": 72, "EU-33": 66, "KR": 55, "US": 34, "VN": 30, "SG": 27, "ID": 26,
    "AS-12": 24, "TW": 22, "CN": 22, "HK": 20, "MY": 18, "TR": 16, "GB": 15, "AU": 15,
    "SEA-8": 14, "PH": 13, "FR": 11, "IT": 11, "ES": 10, "DE": 8, "AE": 9, "IN": 8,
    "NA-3": 7, "NZ": 6, "CH": 6, "KH": 5, "ME-9": 5, "OC-2": 5, "MX": 4, "CA": 4,
}  # fmt: skip
GLOBAL_WEIGHT = 18
VOLUME_WEIGHTS = {"1": 0.6, "3": 1.0, "5": 1.35, "10": 1.1, "20": 0.5, "50": 0.14}
DAILY_WEIGHTS = {"1D": 0.7, "2D": 0.35}
DAYS_WEIGHTS = {7: 1.0, 15: 0.95, 30: 0.8, 60: 0.3, 90: 0.2, 180: 0.1}


def package_weight(slug: str, location_code: str, rng: random.Random) -> float:
    """A package's share of sales: its destination's, its size's and some luck."""
    if location_code.startswith("GL-"):
        destination = GLOBAL_WEIGHT
    else:
        destination = DESTINATION_WEIGHTS.get(location_code, 2)
    parts = slug.rsplit("_", 2)
    if len(parts) != 3 or not parts[2].isdigit():
        return destination * 0.05 * rng.lognormvariate(0, 0.5)
    volume, days = parts[1], int(parts[2])
    size = VOLUME_WEIGHTS.get(volume) or DAILY_WEIGHTS.get(volume, 0.3)
    return destination * size * DAYS_WEIGHTS.get(days, 0.2) * rng.lognormvariate(0, 0.45)


LINES_SHARES = (0.78, 0.95)  # orders of 1 package (78 %), 2 (17 %) and 3 (5 %)
QUANTITY_SHARES = (0.88, 0.97)  # 1 of a package (88 %), 2 (9 %) or 3 (3 %)

# ------------------------------------------------------------------------------ customers
IDR_SHARE = 0.12  # customers paying in rupiah
NEW_CUSTOMER_REGISTERS = 0.2  # a new buyer has (or makes) an account
REGISTERED_LOYALTY = 3  # an account holder is this many times likelier to come back
RETURNING_SHARE = 0.33  # paid orders placed by someone who has bought before
GUEST_REGISTERS_ON_RETURN = 0.12  # a returning guest makes an account this time
SIGN_UPS_WITHOUT_PURCHASE = 0.45  # accounts that never buy, per account that does
VERIFIED_SHARE = 0.9
ABANDONED_PER_PAID = 0.15  # checkouts by people who never pay, per paid order
RETRIED_PER_PAID = 0.10  # a paid order preceded by an abandoned try of the same customer
REFUNDED_SHARE = 0.02
FAILED_SHARE = 0.003  # paid, but the eSIMs could not be delivered
NEVER_INSTALLED = 0.15
REDEEMS_WHEN_ABLE = 0.45  # orders (in USD) by customers with 500+ points that redeem some

FIRST_NAMES = (
    "james", "mary", "john", "linda", "michael", "sarah", "david", "emma", "daniel", "olivia",
    "kevin", "sophie", "thomas", "laura", "lucas", "anna", "hiro", "yuki", "kenji", "aiko",
    "min", "jiwoo", "wei", "mei", "putri", "budi", "siti", "agus", "dewi", "rizky", "nguyen",
    "linh", "somchai", "nok", "carlos", "maria", "pierre", "claire", "max", "lena", "ahmed",
    "fatima", "ravi", "priya", "liam", "chloe", "noah", "mia", "ethan", "zoe",
)  # fmt: skip
LAST_NAMES = (
    "smith", "johnson", "brown", "taylor", "wilson", "martin", "lee", "walker", "white",
    "harris", "clark", "lewis", "young", "king", "wright", "tanaka", "suzuki", "sato", "kim",
    "park", "choi", "chen", "wang", "liu", "santoso", "wijaya", "pratama", "saputra",
    "hidayat", "tran", "pham", "srisuk", "garcia", "rossi", "dubois", "muller", "schmidt",
    "novak", "khan", "sharma", "patel", "silva", "costa", "jensen", "larsen", "murphy",
)  # fmt: skip
EMAIL_DOMAINS = (("gmail.com", 45), ("icloud.com", 11), ("outlook.com", 8), ("yahoo.com", 8),
                 ("hotmail.com", 6), ("proton.me", 2), ("gmx.de", 2), ("naver.com", 2),
                 ("qq.com", 2), ("yahoo.co.jp", 2), ("live.com", 2))  # fmt: skip
IDR_EMAIL_DOMAINS = (("gmail.com", 70), ("yahoo.co.id", 15), ("yahoo.com", 8), ("icloud.com", 7))


# ------------------------------------------------------------------------------ sources
@dataclass(frozen=True)
class Touch:
    """Where a visit came from, as checkout records it (accounts.acquisition cleans it: source
    and medium lower-cased, the referring host bare, without a leading www.)."""

    utm_source: str = ""
    utm_medium: str = ""
    utm_campaign: str = ""
    referrer_host: str = ""

    @property
    def source(self) -> str:
        """The reports' source: utm_source, else the referring host, else (direct)."""
        return self.utm_source or self.referrer_host or "(direct)"


DIRECT = Touch()
PARTNERS = (
    ("wanderlustnotes", "wanderlustnotes.com", "WANDER10"),
    ("asiatraveltips", "asiatraveltips.net", "ASIATIPS10"),
    ("nomadbudget", "nomadbudget.blog", "NOMAD15"),
    ("backpackerdiary", "backpackerdiary.org", "BACKPACK10"),
)
GOOGLE_CAMPAIGNS = ("brand", "japan-esim", "europe-esim", "thailand-esim", "asia-esim", "travel")
SOCIAL_THEMES = ("japan", "summer", "europe", "korea", "bali", "city-breaks")

# (kind, weight for USD customers, weight for IDR customers)
FIRST_TOUCH_MIX = (
    ("google_cpc", 22, 18),
    ("google_organic", 14, 12),
    ("facebook", 9, 8),
    ("instagram", 7, 14),
    ("tiktok", 5, 11),
    ("partner", 8, 4),
    ("bing_cpc", 2, 0.5),
    ("newsletter", 2, 1),
    ("twitter", 1, 1),
    ("direct", 30, 30.5),
)
REPEAT_MIX = (
    ("direct", 43),
    ("newsletter", 19),
    ("google_organic", 11),
    ("google_brand", 10),
    ("first", 17),  # came back the way they first came
)


def touch(kind: str, moment: datetime, rng: random.Random) -> Touch:
    quarter = f"{moment.year}q{(moment.month - 1) // 3 + 1}"
    if kind == "google_cpc":
        return Touch("google", "cpc", rng.choice(GOOGLE_CAMPAIGNS), "google.com")
    if kind == "google_brand":
        return Touch("google", "cpc", "brand", "google.com")
    if kind == "google_organic":
        return Touch(referrer_host="google.com")
    if kind == "bing_cpc":
        return Touch("bing", "cpc", rng.choice(GOOGLE_CAMPAIGNS[:3]), "bing.com")
    if kind in ("facebook", "instagram", "tiktok"):
        medium = "paid_social" if kind != "instagram" or rng.random() < 0.6 else "social"
        host = {"facebook": "m.facebook.com", "instagram": "l.instagram.com"}.get(kind, "")
        return Touch(kind, medium, f"{rng.choice(SOCIAL_THEMES)}-{quarter}", host)
    if kind == "partner":
        name, host, _code = rng.choice(PARTNERS)
        return Touch(name, "referral", "blog-review", host)
    if kind == "newsletter":
        return Touch("newsletter", "email", f"newsletter-{moment:%Y-%m}")
    if kind == "twitter":
        return Touch(referrer_host="t.co")
    return DIRECT


def first_touch(currency: str, moment: datetime, rng: random.Random) -> Touch:
    column = 1 if currency == "USD" else 2
    kinds = [row[0] for row in FIRST_TOUCH_MIX]
    kind = rng.choices(kinds, weights=[row[column] for row in FIRST_TOUCH_MIX])[0]  # type: ignore[misc]
    return touch(kind, moment, rng)


def repeat_touch(first: Touch, moment: datetime, rng: random.Random) -> Touch:
    kind = rng.choices([row[0] for row in REPEAT_MIX], weights=[row[1] for row in REPEAT_MIX])[0]
    return first if kind == "first" else touch(kind, moment, rng)


# ------------------------------------------------------------------------------ promo codes
@dataclass(frozen=True)
class CodeSpec:
    code: str
    name: str
    kind: str  # "percentage" (basis points) or "fixed" (USD cents)
    value: int
    starts_at: datetime
    expires_at: datetime | None
    max_discount_cents: int | None = None
    min_purchase_cents: int = 0
    first_purchase_only: bool = False
    authenticated_only: bool = False
    stackable: bool = True
    destinations: tuple[str, ...] = ()  # location codes it is limited to; () = every package
    max_uses_per_user: int = 3
    source: str = ""  # the source whose visitors get it (a partner's, a channel's)
    weight: float = 1.0  # how readily a customer who may use it does
    tags: tuple[str, ...] = field(default=())


def code_specs(start: datetime, end: datetime) -> list[CodeSpec]:
    """About thirty codes: standing ones, partners' and channels' ones, and seasonal ones for
    every year of the range."""
    before = start - timedelta(days=30)
    codes = [
        CodeSpec("WELCOME10", "Welcome 10%", "percentage", 1000, before, None,
                 first_purchase_only=True, max_uses_per_user=1, weight=3),
        CodeSpec("HELLO5", "Five dollars off a first order", "fixed", 500, before, None,
                 min_purchase_cents=1500, first_purchase_only=True, max_uses_per_user=1),
        CodeSpec("APP8", "8% for account holders", "percentage", 800, before, None,
                 authenticated_only=True, max_uses_per_user=5),
        CodeSpec("NEWSLETTER12", "Newsletter 12%", "percentage", 1200, before, None,
                 max_discount_cents=1000, source="newsletter", weight=4, max_uses_per_user=6),
        CodeSpec("TIKTOK10", "TikTok 10%", "percentage", 1000, before, None,
                 source="tiktok", weight=4, max_uses_per_user=1),
        CodeSpec("INSTA10", "Instagram 10%", "percentage", 1000, before, None,
                 source="instagram", weight=4, max_uses_per_user=1),
        CodeSpec("FRIEND5", "A friend's five dollars", "fixed", 500, before, None,
                 min_purchase_cents=2000, max_uses_per_user=1),
        CodeSpec("JAPAN15", "Japan 15%", "percentage", 1500, before, None,
                 destinations=("JP",), stackable=False, max_uses_per_user=2),
        CodeSpec("EUROPE10", "Europe 10%", "percentage", 1000, before, None,
                 destinations=("EU-33",), max_uses_per_user=2),
        CodeSpec("KOREA10", "Korea 10%", "percentage", 1000, before, None,
                 destinations=("KR",), max_uses_per_user=2),
        CodeSpec("BALI10", "Bali 10%", "percentage", 1000, before, None,
                 destinations=("ID",), max_uses_per_user=2),
        CodeSpec("ASIA12", "Asia 12%", "percentage", 1200, before, None,
                 destinations=("AS-12", "SEA-8"), max_uses_per_user=2),
        CodeSpec("STUDENT10", "Students 10%", "percentage", 1000, before, None,
                 authenticated_only=True, max_discount_cents=800, max_uses_per_user=4),
        CodeSpec("COMEBACK15", "We miss you 15%", "percentage", 1500, before, None,
                 max_discount_cents=1000, max_uses_per_user=1, source="newsletter", weight=2),
        CodeSpec("LAUNCH20", "Launch 20%", "percentage", 2000, before, start + timedelta(days=45),
                 max_discount_cents=1500, weight=3),
    ]  # fmt: skip
    for name, host, code in PARTNERS:
        value = 1500 if code.endswith("15") else 1000
        codes.append(
            CodeSpec(code, f"Partner {host}", "percentage", value, before, None,
                     source=name, weight=6, max_uses_per_user=2)
        )  # fmt: skip
    for year in range(start.year, end.year + 1):
        short = year % 100
        seasonal = [
            CodeSpec(f"SUMMER{short}", f"Summer {year}", "percentage", 1500,
                     _at(year, 6, 15), _at(year, 9, 1), max_discount_cents=1200, weight=2),
            CodeSpec(f"BLACKFRIDAY{short}", f"Black Friday {year}", "percentage", 2500,
                     _at_date(_black_friday(year)), _at_date(_black_friday(year), 4),
                     max_discount_cents=1500, weight=8),
            CodeSpec(f"NEWYEAR{short}", f"New year {year + 1}", "percentage", 1200,
                     _at(year, 12, 26), _at(year + 1, 1, 8), weight=2),
            CodeSpec(f"SONGKRAN{short}", f"Songkran {year}", "percentage", 1000,
                     _at(year, 4, 5), _at(year, 4, 20), destinations=("TH",), weight=3),
            CodeSpec(f"GOLDENWEEK{short}", f"Golden Week {year}", "fixed", 300,
                     _at(year, 4, 22), _at(year, 5, 8), destinations=("JP",), weight=3,
                     min_purchase_cents=1000),
        ]  # fmt: skip
        codes.extend(
            spec
            for spec in seasonal
            if spec.starts_at < end and spec.expires_at > start  # type: ignore[operator]
        )
    return codes


def _at(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=UTC)


def _at_date(day: date, plus_days: int = 0) -> datetime:
    return _at(day.year, day.month, day.day) + timedelta(days=plus_days)


CODE_USE_BY_SOURCE = {  # chance that a paid order carries a code, by its source
    "newsletter": 0.38,
    "tiktok": 0.22,
    "instagram": 0.2,
    **{name: 0.5 for name, _host, _code in PARTNERS},
}
CODE_USE_OTHERWISE = 0.045


# ------------------------------------------------------------------------------ price schedules
@dataclass(frozen=True)
class SaleSpec:
    """A sale: one schedule per package it covers."""

    name: str
    starts_at: datetime
    ends_at: datetime
    bps: int
    destinations: tuple[str, ...]  # () = the best sellers, whatever their destination
    packages: int  # how many (the best-selling first)
    priority: int = 10
    badge: str = "Sale"


def sale_specs(start: datetime, end: datetime, rng: random.Random) -> list[SaleSpec]:
    sales: list[SaleSpec] = []
    for year in range(start.year - 1, end.year + 1):
        black_friday = _at_date(_black_friday(year))
        sales += [
            SaleSpec(f"Summer sale {year}", _at(year, 7, 1), _at(year, 7, 22), 1500, (), 25),
            SaleSpec(f"Black Friday {year}", black_friday, black_friday + timedelta(days=4),
                     2500, (), 40, priority=20, badge="Black Friday"),
            SaleSpec(f"Year-end sale {year}", _at(year, 12, 20), _at(year + 1, 1, 4), 1500,
                     (), 20),
            SaleSpec(f"Golden Week Japan {year}", _at(year, 4, 25), _at(year, 5, 7), 2000,
                     ("JP",), 10),
            SaleSpec(f"Songkran Thailand {year}", _at(year, 4, 8), _at(year, 4, 17), 1500,
                     ("TH",), 6),
            SaleSpec(f"Lunar New Year {year}", _at(year, 1, 25), _at(year, 2, 9), 1000,
                     ("KR", "TW", "HK", "SG", "CN"), 10),
        ]  # fmt: skip
    sales = [sale for sale in sales if sale.starts_at < end and sale.ends_at > start]
    span = (end - start).total_seconds()
    for number in range(110):  # flash sales: one package, a few days
        starts = start + timedelta(seconds=rng.uniform(0, span - 8 * 86400))
        starts = starts.replace(minute=0, second=0, microsecond=0)
        sales.append(
            SaleSpec(f"Flash sale #{number + 1}", starts,
                     starts + timedelta(days=rng.randint(2, 7)), rng.choice((1000, 2000, 3000)),
                     (), 1, priority=0, badge="Flash")
        )  # fmt: skip
    return sales


PROMOTED_LINE_SHARE = 0.08  # lines that pick a package on sale that day (the sale's uplift)
