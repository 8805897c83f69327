"""Paddle Billing API client: transactions with our own (non-catalog) prices, and refunds.

Our own small client rather than the official SDK's: the SDK only targets Paddle's two hosts
(so it could not talk to our local sandbox), and every provider call here must go through our
timeouts, retries and circuit breaker. The SDK's webhook verifier is used in tests to prove our
sandbox signs exactly as Paddle does.
"""

from collections.abc import Iterable, Sequence
from typing import Any

import requests

from hiroam.integrations.calls import RetryPolicy, call_provider, send_http
from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.paddle import errors
from hiroam.integrations.paddle.results import CheckoutItem, PaddleAdjustment, PaddleTransaction


class PaddleClient:
    def __init__(
        self,
        *,
        base_url: str,
        api_key: str,
        session: requests.Session | None = None,
        timeout_seconds: tuple[float, float] = (3.05, 20.0),
        retry_policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._api_key = api_key
        self.session = session or requests.Session()
        self.timeout_seconds = timeout_seconds
        self.retry_policy = retry_policy or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(errors.PROVIDER)

    def create_transaction(
        self,
        *,
        items: Iterable[CheckoutItem],
        custom_data: dict[str, Any],
        currency_code: str = "USD",
    ) -> PaddleTransaction:
        body = {
            "items": [
                {
                    "quantity": item.quantity,
                    "price": {
                        "description": item.description,
                        "name": item.name,
                        "unit_price": {
                            "amount": str(item.unit_price_cents),
                            "currency_code": currency_code,
                        },
                        "product": {"name": item.name, "tax_category": item.tax_category},
                    },
                }
                for item in items
            ],
            "currency_code": currency_code,
            "custom_data": custom_data,
        }
        return PaddleTransaction.from_wire(self._request("POST", "/transactions", body))

    def get_transaction(self, transaction_id: str) -> PaddleTransaction:
        return PaddleTransaction.from_wire(self._request("GET", f"/transactions/{transaction_id}"))

    def create_refund(
        self,
        *,
        transaction_id: str,
        reason: str,
        partial_items: Sequence[tuple[str, int]] | None = None,
    ) -> PaddleAdjustment:
        """A full refund, or partial refunds of (`txnitm_` id, amount in cents) items. Paddle
        starts it as `pending_approval`; the outcome arrives by webhook."""
        body: dict[str, Any] = {
            "action": "refund",
            "transaction_id": transaction_id,
            "reason": reason,
        }
        if partial_items:
            body["type"] = "partial"
            body["items"] = [
                {"item_id": item_id, "type": "partial", "amount": str(amount_cents)}
                for item_id, amount_cents in partial_items
            ]
        else:
            body["type"] = "full"
        return PaddleAdjustment.from_wire(self._request("POST", "/adjustments", body))

    def refunds_of(self, transaction_id: str) -> list[PaddleAdjustment]:
        """The refunds Paddle holds for a transaction, whatever asked for them."""
        found = self._request("GET", f"/adjustments?transaction_id={transaction_id}&action=refund")
        return [PaddleAdjustment.from_wire(data) for data in found if isinstance(data, dict)]

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        return call_provider(
            operation=f"{method} {path.split('/')[1].split('?')[0]}",
            breaker=self.breaker,
            policy=self.retry_policy,
            attempt_call=lambda: self._send(method, path, body),
            idempotent=method == "GET",  # a repeated POST could create a second transaction
        )

    def _send(self, method: str, path: str, body: dict[str, Any] | None) -> Any:
        response = send_http(
            self.session,
            method,
            f"{self.base_url}{path}",
            provider=errors.PROVIDER,
            operation=f"{method} {path}",
            timeout_seconds=self.timeout_seconds,
            json=body,
            headers={"Authorization": f"Bearer {self._api_key}", "Accept": "application/json"},
        )
        try:
            payload = response.json()
        except ValueError as error:
            raise errors.PaddleError(
                f"{method} {path}: answer is not JSON", status=response.status_code
            ) from error
        if response.ok and isinstance(payload.get("data"), dict | list):
            return payload["data"]  # one entity, or a list of them
        problem = payload.get("error") or {}
        raise errors.PaddleError(
            str(problem.get("detail") or f"HTTP {response.status_code}"),
            code=problem.get("code"),
            status=response.status_code,
        )
