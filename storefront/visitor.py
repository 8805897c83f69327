"""What the shop remembers about a visitor: the currency prices are shown in, the guest
orders this browser placed (so the page Paddle returns to opens without the secret link), and
the campaign or site that last brought them (what their order is attributed to)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from accounts.acquisition import Touch, own_hosts
from storefront.money import CURRENCIES, DEFAULT_CURRENCY

CURRENCY_COOKIE = "currency"
CURRENCY_COOKIE_SECONDS = 365 * 24 * 3600
GUEST_ORDERS_KEY = "guest_orders"  # session: {order id: [access token, placed at]}
MAX_REMEMBERED_ORDERS = 20
GUEST_ORDER_ACCESS = timedelta(hours=2)
TOUCH_KEY = "touch"  # session: the latest touch that was not a direct visit (Touch.as_dict)
CAMPAIGN_PARAMETERS = ("utm_source", "utm_medium", "utm_campaign")


def visitor_currency(request: HttpRequest) -> str:
    """The visitor's choice (a cookie), else a signed-in customer's preferred currency."""
    chosen = request.COOKIES.get(CURRENCY_COOKIE, "")
    if chosen in CURRENCIES:
        return chosen
    user = getattr(request, "user", None)
    profile = getattr(user, "profile", None) if user and user.is_authenticated else None
    preferred = getattr(profile, "preferred_currency", "")
    return preferred if preferred in CURRENCIES else DEFAULT_CURRENCY


def remember_currency(response: HttpResponse, currency: str) -> None:
    response.set_cookie(
        CURRENCY_COOKIE,
        currency,
        max_age=CURRENCY_COOKIE_SECONDS,
        samesite="Lax",
        httponly=True,  # no script reads it
        secure=settings.SESSION_COOKIE_SECURE,  # HTTPS-only wherever the session is
    )


def remember_guest_order(
    request: HttpRequest, order_id: str, access_token: str, *, now: datetime
) -> None:
    orders = dict(request.session.get(GUEST_ORDERS_KEY, {}))
    orders[order_id] = [access_token, now.isoformat()]
    # The newest few: a shared computer's session should not pile up orders.
    request.session[GUEST_ORDERS_KEY] = dict(list(orders.items())[-MAX_REMEMBERED_ORDERS:])


def guest_order_token(request: HttpRequest, order_id: str, *, now: datetime) -> str | None:
    """The order's secret link, if this browser placed the order recently: long enough to pay
    and come back, short enough that the next person at a shared computer cannot reopen it
    from the history (the email's link still works)."""
    remembered = request.session.get(GUEST_ORDERS_KEY, {}).get(order_id)
    if not isinstance(remembered, list) or len(remembered) != 2:
        return None
    token, placed_at = remembered
    if now - datetime.fromisoformat(placed_at) > GUEST_ORDER_ACCESS:
        return None
    return str(token)


def remember_touch(request: HttpRequest) -> None:
    """A landing with utm_* parameters or another site's Referer replaces the touch kept so
    far (the last campaign that brought the visitor gets the order); a direct visit or a page
    reached from our own pages keeps it. The session is written only when the touch changes."""
    referer = request.headers.get("Referer", "")
    if not referer and not any(name in request.GET for name in CAMPAIGN_PARAMETERS):
        return  # most requests: nothing to learn, and the session is not even read
    touch = Touch.from_visit(request.GET, referer, own=own_hosts(request.get_host()))
    if not touch.is_direct and request.session.get(TOUCH_KEY) != touch.as_dict():
        request.session[TOUCH_KEY] = touch.as_dict()


def visitor_touch(request: HttpRequest) -> Touch:
    """What brought this visitor, as their checkout or sign-up records it (direct if nothing)."""
    return Touch.from_dict(request.session.get(TOUCH_KEY))
