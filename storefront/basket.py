"""The basket, kept in the visitor's session: up to MAX_CART_ITEMS lines of (package,
quantity). It stores no prices: every page prices it again through the checkout's own
selectors, so a basket never pays yesterday's price."""

from dataclasses import dataclass

from django.contrib.sessions.backends.base import SessionBase

from orders.api.checkout import MAX_CART_ITEMS
from orders.selectors import CartItem

SESSION_KEY = "basket"
MAX_QUANTITY = 10  # the most a line may ask; the package's own max_per_order may be lower


class BasketFullError(Exception):
    """The basket already holds MAX_CART_ITEMS different packages."""


@dataclass(frozen=True)
class BasketLine:
    package_id: str
    quantity: int


class Basket:
    def __init__(self, session: SessionBase) -> None:
        self._session = session
        raw = session.get(SESSION_KEY, [])
        self.lines = [BasketLine(str(line["package"]), int(line["quantity"])) for line in raw]

    def __len__(self) -> int:
        return len(self.lines)

    @property
    def units(self) -> int:
        return sum(line.quantity for line in self.lines)

    def add(self, package_id: str, quantity: int) -> None:
        """Adds to the package's line (a new line if it has none)."""
        for index, line in enumerate(self.lines):
            if line.package_id == package_id:
                self.lines[index] = BasketLine(
                    package_id, min(MAX_QUANTITY, line.quantity + quantity)
                )
                return self._save()
        if len(self.lines) >= MAX_CART_ITEMS:
            raise BasketFullError(f"A basket holds at most {MAX_CART_ITEMS} different eSIMs.")
        self.lines.append(BasketLine(package_id, min(MAX_QUANTITY, quantity)))
        self._save()

    def set_quantity(self, package_id: str, quantity: int) -> None:
        self.lines = [
            BasketLine(line.package_id, min(MAX_QUANTITY, quantity))
            if line.package_id == package_id
            else line
            for line in self.lines
            if line.package_id != package_id or quantity > 0
        ]
        self._save()

    def remove(self, package_id: str) -> None:
        self.set_quantity(package_id, 0)

    def keep_only(self, package_ids: set[str]) -> int:
        """Drops the lines of any other package; answers how many were dropped."""
        kept = [line for line in self.lines if line.package_id in package_ids]
        dropped = len(self.lines) - len(kept)
        if dropped:
            self.lines = kept
            self._save()
        return dropped

    def empty(self) -> None:
        self.lines = []
        self._save()

    def cart_items(self) -> list[CartItem]:
        return [
            CartItem(package_key=line.package_id, quantity=line.quantity) for line in self.lines
        ]

    def _save(self) -> None:
        self._session[SESSION_KEY] = [
            {"package": line.package_id, "quantity": line.quantity} for line in self.lines
        ]
