"""The eSIM Access open API client: signed POSTs of JSON, the envelope parsed into typed
results or typed errors. The same code talks to the real API and to our sandbox."""

import json
import time
import uuid
from collections.abc import Callable, Iterable
from typing import Any

import requests

from hiroam.integrations.calls import RetryPolicy, call_provider, send_http
from hiroam.integrations.circuit_breaker import CircuitBreaker
from hiroam.integrations.esim_access import errors, signing
from hiroam.integrations.esim_access.results import (
    EsimProfile,
    OrderLine,
    PlacedOrder,
    ProviderPackage,
    TopUpResult,
    UsageRecord,
)
from hiroam.integrations.rate_limit import RateLimiter
from hiroam.integrations.units import balance_cents_from_provider_units

API_PREFIX = "/api/v1/open/"
QUERY_PAGE_SIZE = 100  # the API takes 5-500
USAGE_BATCH_SIZE = 10  # the API takes at most 10 profiles per usage query


class EsimAccessClient:
    def __init__(
        self,
        *,
        base_url: str,
        access_code: str,
        secret_key: str,
        session: requests.Session | None = None,
        timeout_seconds: tuple[float, float] = (3.05, 20.0),
        retry_policy: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        rate_limiter: RateLimiter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.access_code = access_code
        self._secret_key = secret_key
        self.session = session or requests.Session()
        self.timeout_seconds = timeout_seconds
        self.retry_policy = retry_policy or RetryPolicy()
        self.breaker = breaker or CircuitBreaker(errors.PROVIDER)
        self.rate_limiter = rate_limiter
        self._clock = clock

    # ------------------------------------------------------------------ endpoints
    def list_packages(
        self,
        *,
        location_code: str | None = None,
        package_type: str | None = None,
        package_code: str | None = None,
        slug: str | None = None,
    ) -> list[ProviderPackage]:
        filters = {
            "locationCode": location_code,
            "type": package_type,
            "packageCode": package_code,
            "slug": slug,
        }
        obj = self._post("package/list", {key: value for key, value in filters.items() if value})
        return [ProviderPackage.from_wire(raw) for raw in (obj or {}).get("packageList") or []]

    def order_profiles(
        self, *, transaction_id: str, lines: Iterable[OrderLine], amount_units: int | None = None
    ) -> PlacedOrder:
        """Orders profiles, paid from our balance. `transaction_id` (ours, at most 50
        characters) makes the call idempotent: the provider treats a repeat as the same order."""
        if not 0 < len(transaction_id) <= 50:
            raise ValueError("transaction_id must have 1 to 50 characters")
        package_info = []
        for line in lines:
            item: dict[str, Any] = {"packageCode": line.package_code, "count": line.count}
            if line.price_units is not None:
                item["price"] = line.price_units
            package_info.append(item)
        payload: dict[str, Any] = {"transactionId": transaction_id, "packageInfoList": package_info}
        if amount_units is not None:
            payload["amount"] = amount_units
        obj = self._post("esim/order", payload) or {}
        return PlacedOrder(
            order_no=str(obj.get("orderNo", "")),
            transaction_id=str(obj.get("transactionId", transaction_id)),
        )

    def query_profiles(
        self,
        *,
        order_no: str | None = None,
        iccid: str | None = None,
        esim_tran_no: str | None = None,
    ) -> list[EsimProfile]:
        """Every profile matching one key, across all pages. Raises ProfilesNotReady while the
        provider is still allocating an order's profiles."""
        keys = {"orderNo": order_no, "iccid": iccid, "esimTranNo": esim_tran_no}
        given = {key: value for key, value in keys.items() if value}
        if len(given) != 1:
            raise ValueError("query_profiles needs exactly one of order_no, iccid, esim_tran_no")
        profiles: list[EsimProfile] = []
        page = 1
        while True:
            obj = (
                self._post(
                    "esim/query", {**given, "pager": {"pageNum": page, "pageSize": QUERY_PAGE_SIZE}}
                )
                or {}
            )
            batch = obj.get("esimList") or []
            profiles.extend(EsimProfile.from_wire(raw) for raw in batch)
            total = (obj.get("pager") or {}).get("total")
            if len(batch) < QUERY_PAGE_SIZE or (total is not None and len(profiles) >= int(total)):
                return profiles
            page += 1

    def cancel_profile(self, *, esim_tran_no: str) -> None:
        """Cancels an unused profile (only while GOT_RESOURCE + RELEASED); the provider returns
        its cost to our balance. Raises OperationNotAllowed otherwise."""
        self._post("esim/cancel", {"esimTranNo": esim_tran_no})

    def query_usage(self, *, esim_tran_nos: Iterable[str]) -> list[UsageRecord]:
        numbers = list(esim_tran_nos)
        records: list[UsageRecord] = []
        for start in range(0, len(numbers), USAGE_BATCH_SIZE):
            obj = (
                self._post(
                    "esim/usage/query",
                    {"esimTranNoList": numbers[start : start + USAGE_BATCH_SIZE]},
                )
                or {}
            )
            records.extend(UsageRecord.from_wire(raw) for raw in obj.get("esimUsageList") or [])
        return records

    def top_up(self, *, esim_tran_no: str, package_code: str, transaction_id: str) -> TopUpResult:
        obj = self._post(
            "esim/topup",
            {
                "esimTranNo": esim_tran_no,
                "packageCode": package_code,
                "transactionId": transaction_id,
            },
        )
        return TopUpResult.from_wire(obj or {})

    def balance_cents(self) -> int:
        obj = self._post("balance/query", {}) or {}
        return balance_cents_from_provider_units(int(obj.get("balance", 0)))

    # ------------------------------------------------------------------ transport
    def _post(self, path: str, payload: dict[str, Any]) -> Any:
        body = json.dumps(payload, separators=(",", ":")).encode()
        return call_provider(
            operation=path,
            breaker=self.breaker,
            policy=self.retry_policy,
            attempt_call=lambda: self._send(path, body),
        )

    def _send(self, path: str, body: bytes) -> Any:
        if self.rate_limiter is not None:  # every attempt counts against the provider's limit
            self.rate_limiter.wait_for_slot()
        return self._send_now(path, body)

    def _send_now(self, path: str, body: bytes) -> Any:
        # Signed afresh for each attempt: a retry gets a new timestamp and request id.
        timestamp = str(int(self._clock() * 1000))
        request_id = uuid.uuid4().hex
        headers = {
            "Content-Type": "application/json",
            signing.HEADER_ACCESS_CODE: self.access_code,
            signing.HEADER_REQUEST_ID: request_id,
            signing.HEADER_TIMESTAMP: timestamp,
            signing.HEADER_SIGNATURE: signing.sign_request(
                secret_key=self._secret_key,
                timestamp=timestamp,
                request_id=request_id,
                access_code=self.access_code,
                body=body,
            ),
        }
        response = send_http(
            self.session,
            "POST",
            f"{self.base_url}{API_PREFIX}{path}",
            provider=errors.PROVIDER,
            operation=path,
            timeout_seconds=self.timeout_seconds,
            data=body,
            headers=headers,
        )
        try:
            envelope = response.json()
        except ValueError as error:
            if 400 <= response.status_code < 500:  # wrong URL or a proxy refusing us: configuration
                raise errors.RequestRejected(
                    f"{path}: HTTP {response.status_code}",
                    provider=errors.PROVIDER,
                    code=str(response.status_code),
                ) from error
            raise errors.unavailable(
                f"{path}: answer is not JSON (HTTP {response.status_code})"
            ) from error
        if not isinstance(envelope, dict):
            raise errors.unavailable(f"{path}: unexpected answer")
        error_code = envelope.get("errorCode")
        succeeded = envelope.get("success") is True or (
            "success" not in envelope and error_code in (None, "", "0", 0)
        )
        if succeeded and response.ok:
            return envelope.get("obj")
        raise errors.error_for_code(
            None if error_code is None else str(error_code),
            envelope.get("errorMsg") or f"HTTP {response.status_code}",
        )
