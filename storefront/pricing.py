"""The basket priced for a page: the checkout's own selectors and engine, at one moment."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from catalog.models import EsimPackage
from catalog.selectors import packages_by_key
from hiroam.api.errors import DomainError
from orders import selectors
from pricing import engine
from pricing.experiments.audience import audience_for
from storefront.basket import MAX_QUANTITY, Basket

TotalWith = Callable[[list[engine.Line]], engine.OrderTotal]


@dataclass(frozen=True)
class BasketLineView:
    package: EsimPackage
    quantity: int
    total: engine.LineTotal | None  # None when the basket cannot be priced

    @property
    def max_quantity(self) -> int:
        return min(self.package.max_per_order, MAX_QUANTITY)


@dataclass(frozen=True)
class PricedBasket:
    lines: list[BasketLineView]
    total: engine.OrderTotal | None
    problem: str | None  # why it cannot be bought as it is (the checkout's own message)
    removed: int = 0  # lines dropped because their package is gone from the shop


def price_basket(
    basket: Basket, now: datetime, visitor: str | None, total_with: TotalWith | None = None
) -> PricedBasket:
    """The basket's lines and totals at `now`, as `visitor` is shown them (their price
    experiments' variants, as the checkout charges). `total_with(lines)` replaces the plain total
    (a promo code, points); a refused promo code is raised for the caller to show beside its
    field. Lines whose package has left the shop (deactivated, deleted) are dropped from the
    basket: nobody could buy them, and they could not even be shown to be removed."""
    packages = packages_by_key([line.package_id for line in basket.lines])
    removed = basket.keep_only(set(packages))
    problem, total = None, None
    if basket.lines:
        try:
            cart = selectors.priced_cart(basket.cart_items(), now, audience_for(visitor, now))
        except DomainError as error:
            problem = _named(error, packages)
        else:
            total = total_with(cart.lines) if total_with else engine.order_total(cart.lines)
    by_package = {line.line.package_id: line for line in total.lines} if total else {}
    lines = [
        BasketLineView(packages[line.package_id], line.quantity, by_package.get(line.package_id))
        for line in basket.lines
    ]
    return PricedBasket(lines, total, problem, removed)


def _named(error: DomainError, packages: dict[str, EsimPackage]) -> str:
    """The checkout's message, saying which eSIM it is about."""
    details = error.details if isinstance(error.details, dict) else {}
    package = packages.get(str(details.get("packageId", "")))
    return f"{package.title}: {error.message}" if package else error.message
