"""The basket and the checkout. The basket is priced again on every page by the checkout's own
selectors and engine; "Pay" places the order through the same checkout service as the API and
sends the browser to Paddle."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from catalog.models import EsimPackage
from catalog.selectors import packages_by_key
from hiroam.api.errors import DomainError
from orders import selectors
from orders.services.checkout import create_checkout, points_offer
from points.selectors import points_summary
from pricing import engine
from pricing.promo_codes import PromoCodeRefusedError, engine_promo_code, validate_promo_code
from storefront.basket import Basket, BasketFullError
from storefront.forms import AddToBasketForm, BasketLineForm, CheckoutForm
from storefront.limits import over_limit
from storefront.visitor import remember_guest_order, visitor_currency


@dataclass(frozen=True)
class BasketLineView:
    package: EsimPackage
    quantity: int
    total: engine.LineTotal | None  # None when the basket cannot be priced


@dataclass(frozen=True)
class PricedBasket:
    lines: list[BasketLineView]
    total: engine.OrderTotal | None
    problem: str | None  # why it cannot be bought as it is (the checkout's own message)


def _price(basket: Basket, now: datetime, total_with: Any = None) -> PricedBasket:
    """The basket's lines and totals at `now`. `total_with(lines)` may replace the plain total
    (a promo code, points)."""
    packages = packages_by_key([line.package_id for line in basket.lines])
    problem, total = None, None
    try:
        cart = selectors.priced_cart(basket.cart_items(), now)
    except DomainError as error:
        problem = _named(error, packages)
    else:  # a refused promo code is the caller's to show, beside its field
        total = total_with(cart.lines) if total_with else engine.order_total(cart.lines, None)
    by_package = {line.line.package_id: line for line in total.lines} if total else {}
    lines = [
        BasketLineView(packages[line.package_id], line.quantity, by_package.get(line.package_id))
        for line in basket.lines
        if line.package_id in packages
    ]
    return PricedBasket(lines, total, problem)


def _named(error: DomainError, packages: dict[str, EsimPackage]) -> str:
    """The checkout's message, saying which eSIM it is about."""
    details = error.details if isinstance(error.details, dict) else {}
    package = packages.get(str(details.get("packageId", "")))
    return f"{package.title}: {error.message}" if package else error.message


@require_POST
def add_to_basket(request: HttpRequest) -> HttpResponse:
    form = AddToBasketForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how many eSIMs you want (1 to 10).")
        return redirect(request.POST.get("next") or "storefront:basket")
    basket = Basket(request.session)
    try:
        basket.add(form.cleaned_data["package"], form.cleaned_data["quantity"])
    except BasketFullError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Added to your basket.")
    return redirect("storefront:basket")


@require_POST
def update_basket(request: HttpRequest) -> HttpResponse:
    form = BasketLineForm(request.POST)
    if form.is_valid():
        basket = Basket(request.session)
        quantity = 0 if "remove" in request.POST else form.cleaned_data["quantity"]
        basket.set_quantity(form.cleaned_data["package"], quantity)
    else:
        messages.error(request, "A quantity is a whole number from 0 to 10.")
    return redirect("storefront:basket")


def basket_page(request: HttpRequest) -> HttpResponse:
    priced = _price(Basket(request.session), timezone.now())
    return render(
        request,
        "storefront/basket.html",
        {"currency": visitor_currency(request), "basket": priced},
    )


@require_http_methods(["GET", "POST"])
def checkout_page(request: HttpRequest) -> HttpResponse:
    basket = Basket(request.session)
    if not basket.lines:
        return redirect("storefront:basket")
    user = request.user if isinstance(request.user, User) else None
    if request.method == "GET":
        initial = {"email": user.email, "name": user.full_name} if user else {}
        form = CheckoutForm(initial=initial)
        return _checkout(request, form, _price(basket, timezone.now()))
    form = CheckoutForm(request.POST)
    if not form.is_valid():
        return _checkout(request, form, _price(basket, timezone.now()))
    if request.POST.get("action") == "pay":
        return _pay(request, form, basket, user)
    return _apply_code(request, form, basket, user)


def _apply_code(
    request: HttpRequest, form: CheckoutForm, basket: Basket, user: User | None
) -> HttpResponse:
    """Checks the promo code exactly as /api/v1/checkout/validate-discount does."""
    now = timezone.now()
    code = form.cleaned_data["code"].strip()
    if not code:
        return _checkout(request, form, _price(basket, now))
    if limited := over_limit(request, "validate_discount"):
        return limited
    email = form.cleaned_data["email"]

    def with_code(lines: list[engine.Line]) -> engine.OrderTotal:
        validated = validate_promo_code(
            code=code,
            lines=lines,
            email=email,
            user=user,
            has_purchased_before=selectors.has_completed_purchase(user=user, email=email),
            now=now,
        )
        return engine.order_total(lines, engine_promo_code(validated.discount), _offer(form, user))

    try:
        priced = _price(basket, now, with_code)
    except DomainError as error:
        form.add_error("code", error.message)
        priced = _price(basket, now)
    applied = priced.total is not None and not form.has_error("code")
    return _checkout(request, form, priced, code_applied=applied)


def _offer(form: CheckoutForm, user: User | None) -> engine.PointsOffer | None:
    """The points the customer asked to use, as many as they have free (as checkout does)."""
    points = form.cleaned_data.get("points") or 0
    if user is None or not points:
        return None
    return points_offer(min(points, points_summary(user_id=user.pk).available))


def _pay(
    request: HttpRequest, form: CheckoutForm, basket: Basket, user: User | None
) -> HttpResponse:
    email = form.cleaned_data["email"]
    if limited := over_limit(request, "checkout", email=email):
        return limited
    try:
        checkout = create_checkout(
            items=basket.cart_items(),
            email=email,
            name=form.cleaned_data["name"],
            code=form.cleaned_data["code"].strip() or None,
            user=user,
            points=form.cleaned_data.get("points") or 0 if user else 0,
            now=timezone.now(),
        )
    except DomainError as error:
        form.add_error("code" if isinstance(error, PromoCodeRefusedError) else None, error.message)
        return _checkout(request, form, _price(basket, timezone.now()), status=error.status_code)
    order = checkout.order
    if user is None:
        remember_guest_order(request, str(order.pk), checkout.access_token)
    basket.empty()
    return HttpResponseRedirect(order.paddle_checkout_url)


def _checkout(
    request: HttpRequest,
    form: CheckoutForm,
    priced: PricedBasket,
    *,
    code_applied: bool = False,
    status: int = 200,
) -> HttpResponse:
    user = request.user if isinstance(request.user, User) else None
    return render(
        request,
        "storefront/checkout.html",
        {
            "form": form,
            "basket": priced,
            "code_applied": code_applied,
            "signed_in": user is not None,
            "basket_url": reverse("storefront:basket"),
        },
        status=status,
    )
