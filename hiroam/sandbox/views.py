"""HTTP faces of the fake providers: the same paths, headers, envelopes and status codes as
eSIM Access and Paddle Billing, plus the hosted checkout page and profile QR codes."""

import io
import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import segno
from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from hiroam.integrations.esim_access import signing
from hiroam.sandbox import esim_access, paddle
from hiroam.sandbox.esim_access import FakeEsimError
from hiroam.sandbox.faults import take_fault
from hiroam.sandbox.models import EsimProfile, Fault, PaddleTransaction
from hiroam.sandbox.paddle import FakePaddleError

TIMESTAMP_TOLERANCE_MS = 5 * 60 * 1000


# ---------------------------------------------------------------------------- eSIM Access
def _esim_envelope(obj: Any = None, *, code: str = "0", message: str | None = None) -> JsonResponse:
    # The real API answers HTTP 200 even for business errors: the envelope decides.
    return JsonResponse(
        {"success": code == "0", "errorCode": code, "errorMsg": message, "obj": obj}
    )


def _esim_refusal(request: HttpRequest) -> JsonResponse | None:
    """Checks the RT-* headers and signature; None when the request is authentic."""
    access_code = request.headers.get(signing.HEADER_ACCESS_CODE, "")
    request_id = request.headers.get(signing.HEADER_REQUEST_ID, "")
    timestamp = request.headers.get(signing.HEADER_TIMESTAMP, "")
    signature = request.headers.get(signing.HEADER_SIGNATURE, "")
    if not all((access_code, request_id, timestamp, signature)):
        return _esim_envelope(code="000101", message="request header is missing")
    if not timestamp.isdigit() or abs(time.time() * 1000 - int(timestamp)) > TIMESTAMP_TOLERANCE_MS:
        return _esim_envelope(code="101001", message="timestamp expired")
    account = esim_access.account_for(access_code)
    if account is None or not signing.is_valid_signature(
        signature=signature,
        secret_key=account.secret_key,
        timestamp=timestamp,
        request_id=request_id,
        access_code=access_code,
        body=request.body,
    ):
        return _esim_envelope(code="101003", message="signature mismatch")
    return None


def _injected_failure(target: str, path: str) -> HttpResponse | None:
    kind = take_fault(target, path)
    if kind == Fault.Kind.TIMEOUT:
        time.sleep(settings.SANDBOX_TIMEOUT_FAULT_SECONDS)
        return HttpResponse("Gateway Timeout", status=504)
    if kind == Fault.Kind.SLOW:  # e.g. to kill a worker while the provider works on its call
        time.sleep(settings.SANDBOX_SLOW_FAULT_SECONDS)
        return None
    if kind == Fault.Kind.HTTP_500:
        return HttpResponse("Internal Server Error", status=500)
    if kind == Fault.Kind.SYSTEM_BUSY:
        if target == Fault.Target.PADDLE_API:
            return HttpResponse("Service Unavailable", status=503)
        return _esim_envelope(code="900001", message="system busy, please try again later")
    if kind == Fault.Kind.NO_PROFILES:
        return _esim_envelope(code="200011", message="no profiles available")
    if kind == Fault.Kind.NOT_ALLOWED:  # e.g. installed the moment before a cancel
        return _esim_envelope(code="200002", message="operation not allowed in this status")
    return None


@csrf_exempt
@require_POST
def esim_access_api(request: HttpRequest, path: str) -> HttpResponse:
    refusal = _esim_refusal(request)
    if refusal is not None:
        return refusal
    try:
        payload = json.loads(request.body or b"{}")
    except ValueError:
        return _esim_envelope(code="000104", message="invalid JSON")
    if not isinstance(payload, dict):
        return _esim_envelope(code="000104", message="invalid JSON")
    failure = _injected_failure(Fault.Target.ESIM_ACCESS_API, path)
    if failure is not None:
        return failure
    account = esim_access.account_for(request.headers[signing.HEADER_ACCESS_CODE])
    assert account is not None  # checked by _esim_refusal  # noqa: S101
    now = timezone.now()
    base_url = request.build_absolute_uri("/").rstrip("/")
    handlers: dict[str, Callable[[], dict[str, Any]]] = {
        "package/list": lambda: esim_access.list_packages(payload),
        "esim/order": lambda: esim_access.order(account, payload, now),
        "esim/query": lambda: esim_access.query(account, payload, now, base_url),
        "esim/cancel": lambda: esim_access.cancel(account, payload, now),
        "esim/usage/query": lambda: esim_access.usage(account, payload, now),
        "esim/topup": lambda: esim_access.top_up(account, payload, now),
        "balance/query": lambda: esim_access.balance(account),
    }
    if path not in handlers:
        return JsonResponse(
            {"success": False, "errorCode": "404", "errorMsg": "not found", "obj": None}, status=404
        )
    try:
        return _esim_envelope(handlers[path]())
    except FakeEsimError as error:
        return _esim_envelope(code=error.code, message=error.message)


@require_GET
def esim_qr_code(request: HttpRequest, esim_tran_no: str) -> HttpResponse:
    profile = EsimProfile.objects.filter(esim_tran_no=esim_tran_no).first()
    if profile is None:
        raise Http404
    image = io.BytesIO()
    segno.make(esim_access.activation_code(profile), error="m").save(
        image, kind="png", scale=6, border=2
    )
    return HttpResponse(image.getvalue(), content_type="image/png")


# ---------------------------------------------------------------------------- Paddle
def _paddle_meta() -> dict[str, str]:
    return {"request_id": str(uuid.uuid4())}


def _paddle_error(error: FakePaddleError) -> JsonResponse:
    return JsonResponse(
        {
            "error": {
                "type": "request_error",
                "code": error.code,
                "detail": error.detail,
                "documentation_url": f"https://developer.paddle.com/v1/errors/shared/{error.code}",
                **({"errors": error.errors} if error.errors else {}),
            },
            "meta": _paddle_meta(),
        },
        status=error.status,
    )


def _paddle_api(handler: Callable[..., tuple[int, dict[str, Any]]]) -> Callable[..., HttpResponse]:
    """Bearer authentication, fault injection and Paddle's envelope around an API handler."""

    @csrf_exempt
    def view(request: HttpRequest, **kwargs: Any) -> HttpResponse:
        if request.headers.get("Authorization") != f"Bearer {settings.PADDLE_API_KEY}":
            return _paddle_error(
                FakePaddleError(403, "forbidden", "You aren't permitted to perform this request.")
            )
        failure = _injected_failure(Fault.Target.PADDLE_API, request.path.rsplit("/paddle/", 1)[-1])
        if failure is not None:
            return failure
        try:
            status, data = handler(request, **kwargs)
        except FakePaddleError as error:
            return _paddle_error(error)
        return JsonResponse({"data": data, "meta": _paddle_meta()}, status=status)

    return view


def _json_body(request: HttpRequest) -> dict[str, Any]:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError as error:
        raise FakePaddleError(400, "bad_request", "Invalid JSON.") from error
    if not isinstance(body, dict):
        raise FakePaddleError(400, "bad_request", "Invalid JSON.")
    return body


def _create_transaction(request: HttpRequest) -> tuple[int, dict[str, Any]]:
    if request.method != "POST":
        raise FakePaddleError(405, "method_not_allowed", "Method not allowed.")
    return 201, paddle.create_transaction(_json_body(request), timezone.now())


def _get_transaction(request: HttpRequest, transaction_id: str) -> tuple[int, dict[str, Any]]:
    if request.method != "GET":
        raise FakePaddleError(405, "method_not_allowed", "Method not allowed.")
    return 200, paddle.get_transaction(transaction_id)


def _adjustments(request: HttpRequest) -> tuple[int, Any]:
    if request.method == "GET":
        return 200, paddle.list_adjustments(request.GET.dict())
    if request.method != "POST":
        raise FakePaddleError(405, "method_not_allowed", "Method not allowed.")
    return 201, paddle.create_adjustment(_json_body(request), timezone.now())


paddle_transactions = _paddle_api(_create_transaction)
paddle_transaction = _paddle_api(_get_transaction)
paddle_adjustments = _paddle_api(_adjustments)


def _dollars(cents: int) -> str:
    return f"${cents // 100:,}.{cents % 100:02d}"


@require_http_methods(["GET", "POST"])
def paddle_checkout(request: HttpRequest) -> HttpResponse:
    """Paddle's hosted checkout, in miniature: the items and the total, Pay or Decline."""
    transaction_id = request.GET.get("_ptxn") or request.POST.get("_ptxn") or ""
    found = PaddleTransaction.objects.filter(pk=transaction_id).first()
    if found is None:
        raise Http404("No such transaction")
    outcome, error = None, None
    if request.method == "POST":
        try:
            if request.POST.get("action") == "pay":
                paddle.pay(found.id, now=timezone.now())
                outcome = "paid"
            else:
                paddle.decline(found.id, now=timezone.now())
                outcome = "declined"
        except FakePaddleError as refusal:
            error = refusal.detail
        found.refresh_from_db()
    data = found.data
    return render(
        request,
        "sandbox/paddle_checkout.html",
        {
            "transaction": data,
            "status": found.status,
            "lines": [
                {
                    "name": item["price"].get("name", ""),
                    "description": item["price"].get("description", ""),
                    "quantity": item["quantity"],
                    "unit_price": _dollars(int(item["price"]["unit_price"]["amount"])),
                }
                for item in data["items"]
            ],
            "total": _dollars(int(data["details"]["totals"]["grand_total"])),
            "payable": found.status in paddle.PAYABLE,
            "outcome": outcome,
            "error": error,
            "return_url": _return_url(data.get("custom_data") or {}),
        },
    )


def _return_url(custom_data: dict[str, Any]) -> str:
    """Where "Back to the shop" goes after paying: the shop's page of the order (our payment
    link page, which hosts Paddle's checkout in production, knows it), else the shop."""
    if custom_data.get("return_url"):
        return str(custom_data["return_url"])
    if custom_data.get("order_id"):
        return f"{settings.APP_URL}/orders/{custom_data['order_id']}"
    return settings.APP_URL
