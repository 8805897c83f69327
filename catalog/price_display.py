"""The price a customer sees for a package, as the catalogue API shows it.

The catalogue sits below pricing, so it cannot call the pricing engine; pricing registers
itself as the price source when it loads (pricing.apps). Until then, and for any package it
does not price, the base price is shown.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from django.db.models import F
from django.db.models.expressions import Combinable

from catalog.models import EsimPackage

CURRENCIES = ("USD", "IDR")


@dataclass(frozen=True)
class DisplayPrice:
    original: int  # minor units of the currency: USD cents or whole IDR
    final: int
    discount_label: str | None = None  # e.g. "20% OFF"
    schedule_name: str | None = None
    badge_text: str | None = None
    badge_color: str | None = None
    discount_ends_at: datetime | None = None
    valid_until: datetime | None = None  # the next moment this price changes by the clock
    # Discounted only: the lowest price in the 30 days before the promotion began (EU Omnibus).
    lowest_price_30_days: int | None = None

    @property
    def savings(self) -> int:
        return max(0, self.original - self.final)

    def as_block(self, currency: str) -> dict[str, Any]:
        return {
            "currency": currency,
            "originalPrice": self.original,
            "finalPrice": self.final,
            "hasDiscount": self.final < self.original,
            "discountLabel": self.discount_label,
            "savingsAmount": self.savings,
            "scheduleName": self.schedule_name,
            "badgeText": self.badge_text,
            "badgeColor": self.badge_color,
            "discountEndsAt": self.discount_ends_at.isoformat() if self.discount_ends_at else None,
            "lowestPrice30Days": self.lowest_price_30_days,
        }


def format_money(amount: int, currency: str) -> str:
    """An amount in minor units as people read it: `$4.50`, `$1,234.00`, `Rp 75.000`, `-$1.00`.
    Nothing here rounds. The shop, the admin and the analytics dashboard all write money so."""
    sign = "-" if amount < 0 else ""
    amount = abs(amount)
    if currency == "IDR":
        # Indonesians group thousands with dots and write no decimals.
        return f"{sign}Rp {amount:,}".replace(",", ".")
    return f"{sign}${amount // 100:,}.{amount % 100:02d}"


def usd_text(cents: int | None) -> str:
    """$1,234.56 (and -$1.00), for admins; blank for no amount."""
    return "" if cents is None else format_money(cents, "USD")


def margin_text(price_cents: int, cost_cents: int) -> str:
    """What we keep of a price after the provider's cost, as a percentage of the price."""
    if not price_cents:
        return "-"
    margin_cents = price_cents - cost_cents
    # Truncated toward zero, so a loss reads as large as the equal gain would.
    whole, hundredths = divmod(abs(margin_cents) * 10_000 // price_cents, 100)
    return f"{'-' if margin_cents < 0 else ''}{whole}.{hundredths:02d} %"


def base_price_field(currency: str) -> str:
    return "price_usd_cents" if currency == "USD" else "price_idr"


def base_price(package: EsimPackage, currency: str) -> int:
    return package.price_usd_cents if currency == "USD" else package.price_idr


class Audience(Protocol):
    """Who is looking, where prices depend on it (a price experiment shows its visitors
    different prices). The catalogue hands it back to the price source, keeps cached answers
    apart by its `key`, and says which packages it showed them."""

    @property
    def key(self) -> str:
        """The same for every visitor shown the same prices ("" for the normal prices)."""
        ...

    def experiments_on(self, packages: Sequence[EsimPackage]) -> tuple[str, ...]:
        """What, among `packages`, prices differently for this audience (kept with a cached
        answer, to be `shown` each time it is served)."""
        ...

    def shown(self, experiment_ids: Sequence[str], now: datetime) -> None:
        """Says that an answer showing `experiments_on` its packages was served."""
        ...


@dataclass(frozen=True)
class Everyone:
    """The audience of the normal prices: no visitor known, or no experiment running."""

    key: str = ""

    def experiments_on(self, packages: Sequence[EsimPackage]) -> tuple[str, ...]:
        return ()

    def shown(self, experiment_ids: Sequence[str], now: datetime) -> None:
        return None


EVERYONE = Everyone()


class PriceSource(Protocol):
    """What the catalogue needs to know about customer prices."""

    def audience(self, visitor: str | None, now: datetime) -> Audience:
        """Who `visitor` is for prices (None: a visitor nobody knows)."""
        ...

    def display_prices(
        self, packages: Sequence[EsimPackage], currency: str, now: datetime, audience: Audience
    ) -> dict[Any, DisplayPrice]:
        """Prices for many packages at once (never a query per package)."""
        ...

    def price_expression(self, currency: str, now: datetime, audience: Audience) -> Combinable:
        """SQL for what a customer pays for a package at `now`, to sort and filter by."""
        ...

    def next_change(self, now: datetime) -> datetime | None:
        """The next moment any package's price changes by the clock."""
        ...


class BasePrices:
    """Base prices only: what the catalogue shows before pricing registers itself."""

    def audience(self, visitor: str | None, now: datetime) -> Audience:
        return EVERYONE

    def display_prices(
        self,
        packages: Sequence[EsimPackage],
        currency: str,
        now: datetime,
        audience: Audience = EVERYONE,
    ) -> dict[Any, DisplayPrice]:
        return {
            package.pk: DisplayPrice(base_price(package, currency), base_price(package, currency))
            for package in packages
        }

    def price_expression(
        self, currency: str, now: datetime, audience: Audience = EVERYONE
    ) -> Combinable:
        return F(base_price_field(currency))

    def next_change(self, now: datetime) -> datetime | None:
        return None


_price_source: PriceSource = BasePrices()


def register_price_source(source: PriceSource) -> None:
    global _price_source  # one process-wide registration, at app load
    _price_source = source


def audience_of(visitor: str | None, now: datetime) -> Audience:
    return _price_source.audience(visitor, now)


def display_prices(
    packages: Sequence[EsimPackage],
    currency: str,
    now: datetime,
    audience: Audience = EVERYONE,
) -> dict[Any, DisplayPrice]:
    prices = _price_source.display_prices(packages, currency, now, audience)
    missing = [package for package in packages if package.pk not in prices]
    return prices | BasePrices().display_prices(missing, currency, now)


def customer_price(currency: str, now: datetime, audience: Audience = EVERYONE) -> Combinable:
    """SQL for the price a customer pays now, in minor units of `currency`."""
    return _price_source.price_expression(currency, now, audience)


def next_price_change(now: datetime) -> datetime | None:
    return _price_source.next_change(now)
