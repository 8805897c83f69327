"""The checkout: email, name, promo code (checked exactly as
/api/v1/checkout/validate-discount checks it), points, totals, and Pay, which places the order
through the API's checkout service and sends the browser to Paddle."""

import secrets
import time

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from accounts.models import User
from accounts.visitors import shop_visitor
from hiroam.api.errors import DomainError
from orders import selectors
from orders.models import Order
from orders.services.checkout import create_checkout, points_offer
from points.selectors import points_summary
from pricing import engine
from pricing.promo_codes import PromoCodeRefusedError, engine_promo_code, validate_promo_code
from storefront.basket import Basket
from storefront.forms import CheckoutForm
from storefront.limits import over_limit
from storefront.pricing import PricedBasket, price_basket
from storefront.views.basket_pages import tell_about_removed_lines
from storefront.visitor import remember_guest_order, visitor_touch

# A checkout form is placed once: its nonce is claimed by the first Pay (a double click, a
# reload after a slow answer), and the second waits for the first's order instead of placing
# another.
CLAIM_SECONDS = 600
WAIT_FOR_FIRST_SECONDS = 15


@never_cache
@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest) -> HttpResponse:
    if request.method == "POST" and (placed := _placed_by_this_form(request)):
        return placed  # a repeated Pay (double click, reload): the payment already opened
    basket = Basket(request.session)
    if not basket.lines:
        return redirect("storefront:basket")
    user = request.user if isinstance(request.user, User) else None
    if request.method == "GET":
        initial = {"email": user.email, "name": user.full_name} if user else {}
        return _page(
            request,
            CheckoutForm(initial=initial),
            _quote(basket, None, user, shop_visitor(request)),
        )
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _page(request, form, _priced(request, basket))
    if request.POST.get("action") == "pay":
        return _pay(request, form, basket, user)
    if form.cleaned_data["code"].strip() and (limited := over_limit(request, "validate_discount")):
        return limited
    return _page(request, form, _quote(basket, form, user, shop_visitor(request)))


def _priced(request: HttpRequest, basket: Basket) -> PricedBasket:
    """The basket at its plain total, as this visitor is shown it."""
    return price_basket(basket, timezone.now(), shop_visitor(request))


def _quote(
    basket: Basket, form: CheckoutForm | None, user: User | None, visitor: str | None
) -> PricedBasket:
    """The totals Pay would charge now: the promo code as validate-discount checks it, and
    the points the customer asks for (as many as they have free, as the checkout takes)."""
    now = timezone.now()
    data = form.cleaned_data if form is not None else {}
    code, email = (data.get("code") or "").strip(), data.get("email", "")
    asked = data.get("points") or 0
    points = min(asked, points_summary(user_id=user.pk).available) if user and asked else 0
    offer = points_offer(points) if points else None

    def with_code(lines: list[engine.Line]) -> engine.OrderTotal:
        validated = validate_promo_code(
            code=code,
            lines=lines,
            email=email,
            user=user,
            has_purchased_before=selectors.has_completed_purchase(user=user, email=email),
            now=now,
        )
        return engine.order_total(lines, engine_promo_code(validated.discount), offer)

    if code and form is not None:
        try:
            return price_basket(basket, now, visitor, with_code)
        except PromoCodeRefusedError as refusal:
            form.add_error("code", refusal.message)
    return price_basket(basket, now, visitor, lambda lines: engine.order_total(lines, None, offer))


def _pay(
    request: HttpRequest, form: CheckoutForm, basket: Basket, user: User | None
) -> HttpResponse:
    email = form.cleaned_data["email"]
    if limited := over_limit(request, "checkout", email=email):
        return limited
    claim = _claim_key(request)
    if not request.POST.get("nonce") or not cache.add(claim, "", CLAIM_SECONDS):
        return _follow_first_pay(request, claim, form, basket)
    try:
        checkout = create_checkout(
            items=basket.cart_items(),
            email=email,
            name=form.cleaned_data["name"],
            code=form.cleaned_data["code"].strip() or None,
            user=user,
            points=(form.cleaned_data.get("points") or 0) if user else 0,
            touch=visitor_touch(request),
            visitor=shop_visitor(request),
            now=timezone.now(),
        )
    except DomainError as error:
        cache.delete(claim)  # nothing was placed: the form may be sent again
        form.add_error("code" if isinstance(error, PromoCodeRefusedError) else None, error.message)
        return _page(
            request,
            form,
            _priced(request, basket),
            status=error.status_code,
        )
    order = checkout.order
    cache.set(claim, str(order.pk), CLAIM_SECONDS)
    if user is None:
        remember_guest_order(request, str(order.pk), checkout.access_token, now=timezone.now())
    basket.empty()
    return HttpResponseRedirect(order.paddle_checkout_url)


def _claim_key(request: HttpRequest) -> str:
    return f"shop:checkout:{request.POST.get('nonce', '')}"


def _placed_by_this_form(request: HttpRequest) -> HttpResponse | None:
    order_id = cache.get(_claim_key(request)) if request.POST.get("nonce") else None
    order = Order.objects.filter(pk=order_id).first() if order_id else None
    if order is None or not order.paddle_checkout_url:
        return None
    return HttpResponseRedirect(order.paddle_checkout_url)


def _follow_first_pay(
    request: HttpRequest, claim: str, form: CheckoutForm, basket: Basket
) -> HttpResponse:
    """A second Pay of the same form: to the first one's payment once it has an order."""
    deadline = time.monotonic() + WAIT_FOR_FIRST_SECONDS
    while time.monotonic() < deadline:
        if placed := _placed_by_this_form(request):
            return placed
        if cache.get(claim) is None:  # the first one failed and let go, or the form is stale
            break
        time.sleep(0.25)
    form.add_error(None, "This order is already being placed. Check your email, or try again.")
    return _page(request, form, _priced(request, basket), status=409)


def _page(
    request: HttpRequest, form: CheckoutForm, priced: PricedBasket, *, status: int = 200
) -> HttpResponse:
    tell_about_removed_lines(request, priced)
    nonce = secrets.token_urlsafe(16)
    return render(
        request,
        "storefront/checkout.html",
        {
            "form": form,
            "basket": priced,
            "nonce": nonce,
            "code_applied": bool(priced.total and priced.total.code_discount_cents),
            "signed_in": isinstance(request.user, User),
        },
        status=status,
    )
