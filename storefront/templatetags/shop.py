"""Template filters of the shop: money, data amounts, validity, flags."""

from django import template

from catalog.availability import Availability
from catalog.price_display import format_money
from storefront import money

register = template.Library()


@register.filter
def price(amount: int | None, currency: str) -> str:
    return "" if amount is None else format_money(amount, currency)


@register.filter
def data_amount(volume_bytes: int) -> str:
    return money.format_data_amount(volume_bytes)


@register.filter
def validity(duration: int, unit: str = "DAY") -> str:
    return money.format_validity(duration, unit)


@register.filter
def flag(country_code: str) -> str:
    return money.flag(country_code)


# The availability rules' reasons, in the words a shopper expects on a card.
_UNAVAILABLE = {
    "out_of_stock": "Sold out",
    "not_yet": "Coming soon",
    "discontinued": "No longer available",
    "expired": "No longer available",
    "inactive": "No longer available",
}


@register.filter
def unavailable_label(status: Availability) -> str:
    if status.is_purchasable:
        return ""
    return _UNAVAILABLE.get(status.reason_code or "", status.reason or "Not available")
