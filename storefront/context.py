"""What every shop page shows in its header: the currency and the basket's size."""

from typing import Any

from django.http import HttpRequest

from storefront.basket import Basket
from storefront.money import CURRENCIES
from storefront.visitor import visitor_currency


def shop(request: HttpRequest) -> dict[str, Any]:
    if not request.resolver_match or request.resolver_match.namespace != "storefront":
        return {}  # the admin and the sandbox's pages need none of it
    return {
        "currency": visitor_currency(request),
        "currencies": CURRENCIES,
        "basket_units": Basket(request.session).units,
    }
