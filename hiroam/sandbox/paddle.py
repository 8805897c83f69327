"""The fake Paddle Billing: transactions with non-catalog items, a hosted checkout that pays
or declines, and refunds approved a moment later, each with Paddle's webhooks."""

import copy
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction

from hiroam.sandbox.models import PaddleAdjustment, PaddleTransaction
from hiroam.sandbox.webhooks import emit_paddle, paddle_id

PAYABLE = ("draft", "ready")
SANDBOX_CARD = {
    "type": "visa",
    "last4": "4242",
    "expiry_month": 12,
    "expiry_year": 2030,
    "cardholder_name": "Sandbox Traveller",
}


class FakePaddleError(Exception):
    def __init__(
        self, status: int, code: str, detail: str, errors: list[dict[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.code, self.detail, self.errors = status, code, detail, errors or []


def _invalid(field: str, message: str) -> FakePaddleError:
    return FakePaddleError(
        400, "bad_request", "Invalid request.", [{"field": field, "message": message}]
    )


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="microseconds").replace("+00:00", "Z")


def _amount(value: Any, field: str) -> int:
    if not isinstance(value, str) or not value.isdigit():
        raise FakePaddleError(
            400,
            "bad_request",
            "Invalid request.",
            [{"field": field, "message": "must be a string of digits"}],
        )
    return int(value)


def _totals(subtotal: int, currency_code: str) -> dict[str, str | None]:
    zero = "0"
    return {
        "subtotal": str(subtotal),
        "discount": zero,
        "tax": zero,
        "total": str(subtotal),
        "credit": zero,
        "credit_to_balance": zero,
        "balance": str(subtotal),
        "grand_total": str(subtotal),
        "fee": None,
        "earnings": None,
        "currency_code": currency_code,
    }


def create_transaction(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    items = body.get("items")
    currency_code = body.get("currency_code") or "USD"
    if not isinstance(items, list) or not items:
        raise FakePaddleError(
            400,
            "bad_request",
            "Invalid request.",
            [{"field": "items", "message": "at least one item is required"}],
        )
    line_items, wire_items, subtotal = [], [], 0
    for index, item in enumerate(items):
        price = item.get("price") or {}
        quantity = item.get("quantity")
        if not isinstance(quantity, int) or quantity < 1:
            raise FakePaddleError(
                400,
                "bad_request",
                "Invalid request.",
                [{"field": f"items[{index}].quantity", "message": "must be at least 1"}],
            )
        unit_price = price.get("unit_price") or {}
        amount = _amount(unit_price.get("amount"), f"items[{index}].price.unit_price.amount")
        if unit_price.get("currency_code") != currency_code:
            raise FakePaddleError(
                400,
                "bad_request",
                "Invalid request.",
                [
                    {
                        "field": f"items[{index}].price.unit_price.currency_code",
                        "message": "must match the transaction currency",
                    }
                ],
            )
        price_id, product_id = paddle_id("pri"), paddle_id("pro")
        wire_price = {
            **copy.deepcopy(price),
            "id": price_id,
            "product_id": product_id,
            "status": "active",
        }
        wire_items.append(
            {"price_id": price_id, "price": wire_price, "quantity": quantity, "proration": None}
        )
        line_total = amount * quantity
        subtotal += line_total
        line_items.append(
            {
                "id": paddle_id("txnitm"),
                "price_id": price_id,
                "quantity": quantity,
                "totals": {
                    "subtotal": str(line_total),
                    "tax": "0",
                    "discount": "0",
                    "total": str(line_total),
                },
                "unit_totals": {
                    "subtotal": str(amount),
                    "tax": "0",
                    "discount": "0",
                    "total": str(amount),
                },
                "product": {"id": product_id, **(price.get("product") or {})},
                "tax_rate": "0",
            }
        )
    transaction_id = paddle_id("txn")
    data = {
        "id": transaction_id,
        "status": "draft",
        "customer_id": None,
        "address_id": None,
        "business_id": None,
        "custom_data": body.get("custom_data"),
        "origin": "api",
        "collection_mode": "automatic",
        "subscription_id": None,
        "invoice_id": None,
        "invoice_number": None,
        "billing_details": None,
        "billing_period": None,
        "currency_code": currency_code,
        "discount_id": None,
        "created_at": _stamp(now),
        "updated_at": _stamp(now),
        "billed_at": None,
        "items": wire_items,
        "details": {
            "tax_rates_used": [],
            "totals": _totals(subtotal, currency_code),
            "line_items": line_items,
        },
        "payments": [],
        "checkout": {"url": f"{settings.APP_URL}/sandbox/paddle/checkout?_ptxn={transaction_id}"},
    }
    PaddleTransaction.objects.create(id=transaction_id, status="draft", data=data, created_at=now)
    return data


def list_adjustments(query: dict[str, str]) -> list[dict[str, Any]]:
    """GET /adjustments, filtered as Paddle filters it (by transaction and action)."""
    found = PaddleAdjustment.objects.order_by("created_at")
    if query.get("transaction_id"):
        found = found.filter(transaction_id__in=query["transaction_id"].split(","))
    adjustments = [adjustment.data for adjustment in found]
    if query.get("action"):
        adjustments = [data for data in adjustments if data.get("action") == query["action"]]
    return adjustments


def get_transaction(transaction_id: str) -> dict[str, Any]:
    found = PaddleTransaction.objects.filter(pk=transaction_id).first()
    if found is None:
        raise FakePaddleError(404, "not_found", f"Entity {transaction_id} not found")
    return found.data


def _payment(
    data: dict[str, Any], status: str, now: datetime, error_code: str | None
) -> dict[str, Any]:
    return {
        "payment_attempt_id": paddle_id("pay"),
        "stored_payment_method_id": paddle_id("paymtd"),
        "payment_method_id": paddle_id("paymtd"),
        "amount": data["details"]["totals"]["grand_total"],
        "status": status,
        "error_code": error_code,
        "method_details": {"type": "card", "card": SANDBOX_CARD},
        "created_at": _stamp(now),
        "captured_at": _stamp(now) if status == "captured" else None,
    }


def _save(found: PaddleTransaction, data: dict[str, Any], status: str, now: datetime) -> None:
    data["status"], data["updated_at"] = status, _stamp(now)
    found.status, found.data = status, data
    found.save(update_fields=["status", "data"])


def _locked_payable(transaction_id: str) -> PaddleTransaction:
    found = PaddleTransaction.objects.select_for_update().filter(pk=transaction_id).first()
    if found is None:
        raise FakePaddleError(404, "not_found", "No such transaction")
    if found.status not in PAYABLE:
        raise FakePaddleError(409, "transaction_not_payable", f"This transaction is {found.status}")
    return found


def pay(transaction_id: str, *, now: datetime) -> dict[str, Any]:
    """The customer pays: `paid` (captured) then `completed`, each with its webhook."""
    with transaction.atomic():
        found = _locked_payable(transaction_id)
        data = copy.deepcopy(found.data)
        data["customer_id"] = data["customer_id"] or paddle_id("ctm")
        data["address_id"] = data["address_id"] or paddle_id("add")
        data["billed_at"] = _stamp(now)
        data["payments"] = [_payment(data, "captured", now, None), *data["payments"]]
        _save(found, data, "paid", now)
        emit_paddle("transaction.paid", copy.deepcopy(data), now=now)
        _save(found, data, "completed", now)
        emit_paddle("transaction.completed", copy.deepcopy(data), now=now)
    return data


def decline(transaction_id: str, *, now: datetime) -> dict[str, Any]:
    """The card is declined: a failed payment is added, the transaction stays payable."""
    with transaction.atomic():
        found = _locked_payable(transaction_id)
        data = copy.deepcopy(found.data)
        data["customer_id"] = data["customer_id"] or paddle_id("ctm")
        data["payments"] = [_payment(data, "error", now, "declined"), *data["payments"]]
        _save(found, data, "ready", now)
        emit_paddle("transaction.payment_failed", copy.deepcopy(data), now=now)
    return data


def create_adjustment(body: dict[str, Any], now: datetime) -> dict[str, Any]:
    if body.get("action") != "refund":
        raise FakePaddleError(
            400,
            "bad_request",
            "Invalid request.",
            [{"field": "action", "message": "only refund is supported by the sandbox"}],
        )
    with transaction.atomic():
        found = (
            PaddleTransaction.objects.select_for_update()
            .filter(pk=body.get("transaction_id") or "")
            .first()
        )
        if found is None:
            raise FakePaddleError(404, "not_found", "No such transaction")
        if found.status != "completed":
            raise FakePaddleError(
                400, "transaction_not_completed", "Only a completed transaction can be refunded"
            )
        line_items = {item["id"]: item for item in found.data["details"]["line_items"]}
        refund_type = body.get("type") or "full"
        if refund_type == "full":
            items = [
                {"item_id": item_id, "type": "full", "amount": item["totals"]["total"]}
                for item_id, item in line_items.items()
            ]
        else:
            items = []
            for index, item in enumerate(body.get("items") or []):
                amount = _amount(item.get("amount"), f"items[{index}].amount")
                line = line_items.get(item.get("item_id"))
                if line is None or amount > int(line["totals"]["total"]):
                    raise FakePaddleError(
                        400,
                        "bad_request",
                        "Invalid request.",
                        [
                            {
                                "field": f"items[{index}]",
                                "message": "unknown item or amount above its total",
                            }
                        ],
                    )
                items.append({"item_id": line["id"], "type": "partial", "amount": str(amount)})
            if not items:
                raise FakePaddleError(
                    400,
                    "bad_request",
                    "Invalid request.",
                    [{"field": "items", "message": "a partial refund needs items"}],
                )
        total = sum(int(item["amount"]) for item in items)
        adjustment_id = paddle_id("adj")
        data = {
            "id": adjustment_id,
            "action": "refund",
            "type": refund_type,
            "transaction_id": found.id,
            "subscription_id": None,
            "customer_id": found.data.get("customer_id"),
            "reason": body.get("reason") or "",
            "credit_applied_to_balance": None,
            "currency_code": found.data["currency_code"],
            "status": "pending_approval",
            "items": [
                {
                    **item,
                    "id": paddle_id("adjitm"),
                    "totals": {"subtotal": item["amount"], "tax": "0", "total": item["amount"]},
                }
                for item in items
            ],
            "totals": {
                "subtotal": str(total),
                "tax": "0",
                "total": str(total),
                "fee": "0",
                "earnings": "0",
                "currency_code": found.data["currency_code"],
            },
            "created_at": _stamp(now),
            "updated_at": _stamp(now),
        }
        PaddleAdjustment.objects.create(
            id=adjustment_id, transaction=found, data=data, created_at=now
        )
        emit_paddle("adjustment.created", copy.deepcopy(data), now=now)
        transaction.on_commit(lambda: _schedule_approval(adjustment_id))
    return data


def _schedule_approval(adjustment_id: str) -> None:
    from hiroam.sandbox.tasks import approve_adjustment

    approve_adjustment.apply_async(
        args=(adjustment_id,), countdown=settings.SANDBOX_PADDLE_REFUND_APPROVAL_SECONDS
    )


def approve_adjustment(adjustment_id: str, *, now: datetime) -> None:
    with transaction.atomic():
        found = PaddleAdjustment.objects.select_for_update().filter(pk=adjustment_id).first()
        if found is None or found.status != "pending_approval":
            return  # already decided: approving twice changes nothing
        data = copy.deepcopy(found.data)
        data["status"], data["updated_at"] = "approved", _stamp(now)
        found.status, found.data = "approved", data
        found.save(update_fields=["status", "data"])
        emit_paddle("adjustment.updated", copy.deepcopy(data), now=now)
