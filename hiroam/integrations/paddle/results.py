"""Typed Paddle Billing objects (only what HIROAM reads); amounts in integer cents."""

from dataclasses import dataclass
from typing import Any


def _cents(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


@dataclass(frozen=True)
class CheckoutItem:
    """A non-catalog line item: our own name and price, not a price stored at Paddle."""

    name: str
    description: str
    unit_price_cents: int
    quantity: int
    tax_category: str = "standard"


@dataclass(frozen=True)
class PaddleTransaction:
    id: str
    status: str  # draft, ready, billed, paid, completed, canceled, past_due
    currency_code: str
    checkout_url: str
    custom_data: dict[str, Any]
    grand_total_cents: int
    line_item_ids: tuple[str, ...]
    raw: dict[str, Any]

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "PaddleTransaction":
        details = data.get("details") or {}
        return cls(
            id=str(data.get("id", "")),
            status=str(data.get("status", "")),
            currency_code=str(data.get("currency_code", "")),
            checkout_url=str((data.get("checkout") or {}).get("url") or ""),
            custom_data=dict(data.get("custom_data") or {}),
            grand_total_cents=_cents((details.get("totals") or {}).get("grand_total")),
            line_item_ids=tuple(str(item.get("id")) for item in details.get("line_items") or []),
            raw=data,
        )


@dataclass(frozen=True)
class PaddleAdjustment:
    id: str
    transaction_id: str
    action: str
    status: str  # pending_approval, approved, rejected, reversed
    total_cents: int

    @classmethod
    def from_wire(cls, data: dict[str, Any]) -> "PaddleAdjustment":
        return cls(
            id=str(data.get("id", "")),
            transaction_id=str(data.get("transaction_id", "")),
            action=str(data.get("action", "")),
            status=str(data.get("status", "")),
            total_cents=_cents((data.get("totals") or {}).get("total")),
        )
