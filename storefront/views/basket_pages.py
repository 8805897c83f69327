"""The basket: kept in the session, priced again on every page by the checkout's own
selectors and engine."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts.visitors import shop_visitor
from catalog.selectors import listed_package
from storefront.basket import Basket, BasketFullError
from storefront.forms import AddToBasketForm, BasketLineForm
from storefront.pricing import PricedBasket, price_basket


@require_POST
def add_to_basket(request: HttpRequest) -> HttpResponse:
    form = AddToBasketForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how many eSIMs you want (1 to 10).")
        return redirect("storefront:basket")
    package = listed_package(form.cleaned_data["package"])
    if package is None:
        messages.error(request, "This eSIM is no longer sold.")
        return redirect("storefront:basket")
    basket = Basket(request.session)
    try:
        basket.add(str(package.pk), form.cleaned_data["quantity"])  # by id: one line a package
    except BasketFullError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"{package.title} is in your basket.")
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


def tell_about_removed_lines(request: HttpRequest, priced: PricedBasket) -> None:
    if priced.removed:
        messages.warning(
            request,
            "An eSIM in your basket is no longer sold and was taken out."
            if priced.removed == 1
            else f"{priced.removed} eSIMs in your basket are no longer sold and were taken out.",
        )


@never_cache
def basket_page(request: HttpRequest) -> HttpResponse:
    priced = price_basket(Basket(request.session), timezone.now(), shop_visitor(request))
    tell_about_removed_lines(request, priced)
    return render(request, "storefront/basket.html", {"basket": priced})
