"""Home, the package lists (all, a destination, a region) and the package page. Every price
and availability comes from the catalogue's selectors and the pricing engine behind them,
exactly as the API shows them."""

from dataclasses import dataclass
from datetime import datetime

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils import timezone

from accounts.visitors import shop_visitor
from catalog import selectors
from catalog.availability import Availability, availability
from catalog.cache import (
    cached_answer,
    cached_for,
    lifetime_seconds,
    reads_catalogue,
    seconds_until,
)
from catalog.geography import REGIONS
from catalog.models import EsimPackage
from catalog.price_display import (
    Audience,
    DisplayPrice,
    audience_of,
    display_prices,
    next_price_change,
)
from storefront.basket import MAX_QUANTITY
from storefront.forms import AddToBasketForm, PackageFilterForm
from storefront.money import flag
from storefront.price_words import why_this_price
from storefront.visitor import visitor_currency

PAGE_SIZE = 24
HOME_SALES = 6
REGION_NAMES = {
    "asia": "Asia",
    "middle-east": "Middle East",
    "europe": "Europe",
    "africa": "Africa",
    "americas": "Americas",
    "oceania": "Oceania",
    "multi-region": "Multi-region",
    "global": "Global",
}


@dataclass(frozen=True)
class Card:
    """A package as a list shows it."""

    package: EsimPackage
    price: DisplayPrice
    availability: Availability


@dataclass(frozen=True)
class ListedCards:
    html: str  # the cards, rendered: the same for every visitor of the page's audience
    total: int


def _listed_cards(
    filters: selectors.PackageFilters,
    page: int,
    now: datetime,
    audience: Audience,
    page_size: int = PAGE_SIZE,
) -> ListedCards:
    """One page of package cards as `audience` is shown them, rendered once and cached like
    the API's answers: dropped when the catalogue or a price changes, or when a schedule or an
    availability window of the page turns by the clock. Each time it is shown, the price
    experiments it shows count a view."""

    def build() -> tuple[tuple[ListedCards, tuple[str, ...]], float]:
        packages = selectors.filtered_packages(filters, now, audience)
        total = packages.count()
        on_page = selectors.page_of(packages, page=page, page_size=page_size)
        prices = display_prices(on_page, filters.currency, now, audience)
        cards = [Card(p, prices[p.pk], availability(p, now)) for p in on_page]
        html = render_to_string(
            "storefront/_cards.html", {"cards": cards, "currency": filters.currency}
        )
        lifetime = min(
            lifetime_seconds(on_page, prices, now), seconds_until(next_price_change(now), now)
        )
        return (ListedCards(html, total), audience.experiments_on(on_page)), lifetime

    params = {**filters.__dict__, "page": page, "page_size": page_size}
    listed: ListedCards = cached_for(audience, "shop-cards", params, build, now)
    return listed


def _audience(request: HttpRequest, now: datetime) -> Audience:
    return audience_of(shop_visitor(request), now)


def _destinations() -> list[selectors.Destination]:
    return cached_answer("shop-destinations", {}, lambda: (selectors.destinations(), 3600))


@reads_catalogue
def home(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    currency = visitor_currency(request)
    destinations = _destinations()
    sales = _listed_cards(
        selectors.PackageFilters(currency=currency, on_sale=True),
        1,
        now,
        _audience(request, now),
        page_size=HOME_SALES,
    )
    return render(
        request,
        "storefront/home.html",
        {
            "currency": currency,
            "destinations": destinations,
            "popular": [d for d in destinations if d.is_popular][:12]
            or sorted(destinations, key=lambda d: -d.packages)[:12],
            "regions": [(slug, REGION_NAMES[slug]) for slug in REGIONS],
            "sales": sales,
        },
    )


@reads_catalogue
def package_list(
    request: HttpRequest, country: str | None = None, region: str | None = None
) -> HttpResponse:
    if region is not None and region not in REGIONS:
        raise Http404("No such region")
    destination = None
    if country is not None:
        destination = next((d for d in _destinations() if d.code == country.upper()), None)
        if destination is None:
            raise Http404("No eSIMs for this destination")
    form = PackageFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()  # errors are shown beside their fields; the rest still filter
    if country is None and region is None and (named := _destination_named(form)):
        # The home page's search: a country's name goes to its page, which also lists the
        # regional eSIMs that cover it.
        return redirect("storefront:destination", named.code.lower())
    now = timezone.now()
    currency = visitor_currency(request)
    filters = form.package_filters(
        currency=currency, country=destination.code if destination else None, region=region
    )
    audience = _audience(request, now)
    listed = _listed_cards(filters, form.page_number, now, audience)
    paginator = Paginator(range(listed.total), PAGE_SIZE, allow_empty_first_page=True)
    page = paginator.get_page(form.page_number)
    if page.number != form.page_number:  # past the last page (an old link): show the last
        listed = _listed_cards(filters, page.number, now, audience)
    if destination:
        heading = f"eSIMs for {destination.name}"
    elif region:
        heading = f"eSIMs for {REGION_NAMES[region]}"
    else:
        heading = "All eSIMs"
    return render(
        request,
        "storefront/package_list.html",
        {
            "currency": currency,
            "heading": heading,
            "flag": flag(destination.code) if destination else "",
            "form": form,
            "choice_fields": [form["gb"], form["days"], form["sort"]],
            "cards": listed.html,
            "total": listed.total,
            "page": page,
            "query_without_page": _query_without_page(request),
        },
    )


def _destination_named(form: PackageFilterForm) -> selectors.Destination | None:
    text = (form.cleaned_data.get("q") or "").strip().casefold() if form.is_bound else ""
    if not text or set(form.data) - {"q"}:
        return None
    return next((d for d in _destinations() if d.name.casefold() == text), None)


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@reads_catalogue
def package_detail(request: HttpRequest, key: str) -> HttpResponse:
    package = selectors.listed_package(key)
    if package is None:
        raise Http404("No such package")
    now = timezone.now()
    currency = visitor_currency(request)
    audience = _audience(request, now)
    price = display_prices([package], currency, now, audience)[package.pk]
    audience.shown(audience.experiments_on([package]), now)
    names = package.location_names or {}
    return render(
        request,
        "storefront/package_detail.html",
        {
            "currency": currency,
            "package": package,
            "price": price,
            "availability": availability(package, now),
            "why": why_this_price(price, currency),
            "countries": sorted(
                ((code, names.get(code, code)) for code in package.location_codes),
                key=lambda pair: pair[1],
            ),
            "networks": _networks(package, names),
            "form": AddToBasketForm(initial={"package": str(package.pk), "quantity": 1}),
            "max_quantity": min(package.max_per_order, MAX_QUANTITY),
        },
    )


def _networks(package: EsimPackage, names: dict[str, str]) -> list[tuple[str, str]]:
    """(country, "Docomo (5G), SoftBank (4G)") for each country the provider names networks in."""
    networks = []
    for entry in package.operator_list or []:
        operators = ", ".join(
            f"{op.get('name', '')} ({op['network_type']})"
            if op.get("network_type")
            else op.get("name", "")
            for op in entry.get("operators", [])
        )
        if operators:
            location = entry.get("location", "")
            networks.append((names.get(location, location), operators))
    return sorted(networks)
