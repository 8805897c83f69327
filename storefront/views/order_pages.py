"""The order page: its owner signed in, or anyone with the order's secret link (or the browser
that placed it). Anyone else gets the same 404 as for an order that does not exist."""

from dataclasses import dataclass

import segno
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.views.decorators.cache import never_cache

from accounts.models import User
from orders import selectors
from orders.models import EsimProfile, Order, OrderStatus
from storefront.visitor import guest_order_token

# While an order waits (for Paddle's word that it is paid, then for its eSIM), the page asks
# for its status this often and shows itself again once it changes. Without a script, a paid
# order's page reloads itself, more slowly; an unpaid one does not (it may never be paid).
POLL_SECONDS = 2
NOSCRIPT_REFRESH_SECONDS = 10
PAID_WAITING = (OrderStatus.PAID, OrderStatus.PROCESSING)
WAITING = (OrderStatus.PENDING, *PAID_WAITING)


@dataclass(frozen=True)
class ProfileView:
    number: int
    profile: EsimProfile
    qr_svg: SafeString


def _qr_svg(profile: EsimProfile, number: int) -> SafeString:
    """The QR code drawn inline (it shows with no network, and needs no image request)."""
    code = profile.manual_code or profile.activation_code
    svg = segno.make(code, error="m").svg_inline(
        scale=5, border=2, title=f"QR code to install eSIM {number}"
    )
    return mark_safe(svg)  # noqa: S308 (segno's own SVG of our own code)


def _viewable_order(request: HttpRequest, order_id: str) -> Order:
    token = request.GET.get("token") or guest_order_token(
        request, str(order_id), now=timezone.now()
    )
    user = request.user if isinstance(request.user, User) else None
    order = selectors.order_for_viewer(order_id, user=user, token=token)
    if order is None:
        raise Http404("No such order")
    return order


@never_cache
def order_page(request: HttpRequest, order_id: str) -> HttpResponse:
    order = _viewable_order(request, order_id)
    profiles = sorted(order.profiles.all(), key=lambda p: (str(p.order_item_id), p.profile_index))
    return render(
        request,
        "storefront/order.html",
        {
            "order": order,
            "items": list(order.items.all()),
            "profiles": [
                ProfileView(number, profile, _qr_svg(profile, number))
                for number, profile in enumerate(profiles, start=1)
                if profile.activation_code or profile.manual_code
            ],
            "poll_seconds": POLL_SECONDS if order.status in WAITING else None,
            "noscript_refresh_seconds": NOSCRIPT_REFRESH_SECONDS
            if order.status in PAID_WAITING
            else None,
            "status_text": _status_text(order),
        },
    )


@never_cache
def order_status(request: HttpRequest, order_id: str) -> JsonResponse:
    """What the waiting order page polls: the same viewers as the page, nothing secret."""
    order = _viewable_order(request, order_id)
    return JsonResponse({"status": order.status, "esims": order.profiles.count()})


def _status_text(order: Order) -> str:
    return {
        OrderStatus.PENDING: "Waiting for your payment.",
        OrderStatus.PAID: "Payment received. We are preparing your eSIM; this page updates "
        "by itself.",
        OrderStatus.PROCESSING: "Payment received. We are preparing your eSIM; this page "
        "updates by itself.",
        OrderStatus.COMPLETED: "Your eSIM is ready. Install it before you travel.",
        OrderStatus.CANCELLED: "This order was cancelled.",
        OrderStatus.FAILED: "This order could not be completed. Write to us with its number "
        "if you need help.",
        OrderStatus.EXPIRED: "This order was not paid in time. Choose your eSIM again to buy it.",
        OrderStatus.REFUNDED: "This order was refunded.",
    }.get(OrderStatus(order.status), "")
