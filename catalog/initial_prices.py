"""The first selling prices of a package new from the provider (admins adjust them later)."""

from dataclasses import dataclass

from django.conf import settings

BPS_PER_UNIT = 10_000


@dataclass(frozen=True)
class PriceRule:
    method: str  # "markup" on our cost, or the provider's suggested "retail"
    markup_bps: int
    usd_to_idr_rate: int  # IDR per USD
    idr_rounding_step: int

    @classmethod
    def from_settings(cls) -> "PriceRule":
        return cls(
            method=settings.CATALOG_PRICE_RULE,
            markup_bps=settings.CATALOG_MARKUP_BPS,
            usd_to_idr_rate=settings.CATALOG_USD_TO_IDR_RATE,
            idr_rounding_step=settings.CATALOG_IDR_ROUNDING_STEP,
        )


def _ceil_div(numerator: int, denominator: int) -> int:
    return -(-numerator // denominator)


def initial_prices(
    *, cost_cents: int, retail_cents: int | None, rule: PriceRule
) -> tuple[int, int]:
    """(USD cents, IDR). USD is rounded up to the cent so the markup is never short; IDR is
    converted from the USD price and rounded up to the configured step (e.g. 1,000 IDR)."""
    if rule.method == "retail" and retail_cents:
        usd_cents = retail_cents
    else:
        usd_cents = _ceil_div(cost_cents * (BPS_PER_UNIT + rule.markup_bps), BPS_PER_UNIT)
    idr = _ceil_div(usd_cents * rule.usd_to_idr_rate, 100)
    step = max(1, rule.idr_rounding_step)
    return usd_cents, _ceil_div(idr, step) * step
