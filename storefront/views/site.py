"""Site-wide pages: the currency switch, robots.txt and sitemap.xml."""

from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme

from catalog import selectors
from catalog.cache import cached_answer
from catalog.geography import REGIONS
from storefront.money import CURRENCIES
from storefront.visitor import remember_currency

SITEMAP_SECONDS = 3600


def choose_currency(request: HttpRequest, currency: str) -> HttpResponse:
    """A plain link (works without script, needs no form): remembers the choice in a cookie
    and goes back to the page the visitor was on."""
    target = request.GET.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("storefront:home")
    response = HttpResponseRedirect(target)
    if currency.upper() in CURRENCIES:
        remember_currency(response, currency.upper())
    return response


def robots_txt(request: HttpRequest) -> HttpResponse:
    sitemap = request.build_absolute_uri(reverse("storefront:sitemap"))
    lines = [
        "User-agent: *",
        # Private or per-visitor pages: nothing for a search engine there.
        "Disallow: /account",
        "Disallow: /orders/",
        "Disallow: /basket",
        "Disallow: /checkout",
        "Disallow: /pay",
        "Disallow: /currency/",
        "Disallow: /admin/",
        "Disallow: /api/",
        "Disallow: /sandbox/",
        f"Sitemap: {sitemap}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")


def sitemap_xml(request: HttpRequest) -> HttpResponse:
    def build() -> tuple[str, float]:
        paths = [reverse("storefront:home"), reverse("storefront:packages")]
        paths += [
            reverse("storefront:destination", args=[d.code.lower()])
            for d in selectors.destinations()
        ]
        paths += [reverse("storefront:region", args=[region]) for region in REGIONS]
        keys = selectors.listed_packages().order_by("package_code").values_list("slug", "pk")
        paths += [reverse("storefront:package", args=[slug or pk]) for slug, pk in keys]
        return render_to_string("storefront/sitemap.xml", {"paths": paths}), SITEMAP_SECONDS

    body = cached_answer("shop-sitemap", {}, build)
    base = request.build_absolute_uri("/").rstrip("/")
    return HttpResponse(body.replace("{base}", base), content_type="application/xml")
