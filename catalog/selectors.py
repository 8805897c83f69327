"""Reads of the catalogue for the public API and checkout."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib.postgres.aggregates import ArrayAgg
from django.db.models import F, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce, NullIf

from catalog.models import LISTED, EsimPackage
from catalog.price_display import EVERYONE, Audience, base_price_field, customer_price

# Prices sort and filter by what the customer pays now (schedules included), not base prices.
SORTS = {
    "sort_order": ("sort_order", "customer_price", "package_code"),
    "price": ("customer_price", "package_code"),
    "-price": ("-customer_price", "package_code"),
    "volume": ("volume_bytes", "customer_price", "package_code"),
    "-volume": ("-volume_bytes", "customer_price", "package_code"),
    "duration": ("duration", "customer_price", "package_code"),
    "-duration": ("-duration", "customer_price", "package_code"),
}


@dataclass(frozen=True)
class PackageFilters:
    currency: str = "USD"
    category: str | None = None
    country: str | None = None
    region: str | None = None
    featured: bool | None = None
    min_price: int | None = None
    max_price: int | None = None
    q: str | None = None
    data_type: int | None = None
    min_volume_bytes: int | None = None
    min_duration: int | None = None  # days of validity
    on_sale: bool = False  # only packages a price schedule makes cheaper now
    sort: str = "sort_order"


def listed_packages() -> QuerySet[EsimPackage]:
    """What the shop shows: active packages the provider still sells."""
    return EsimPackage.objects.filter(LISTED)


def in_category(category: str) -> Q:
    return Q(category_override=category) | Q(category_override="", auto_category=category)


def filtered_packages(
    filters: PackageFilters, now: datetime, audience: Audience = EVERYONE
) -> QuerySet[EsimPackage]:
    """The listed packages matching `filters`, each with the price `audience` pays now."""
    price = customer_price(filters.currency, now, audience)
    packages = listed_packages().annotate(customer_price=price)
    if filters.category:
        packages = packages.filter(in_category(filters.category))
    if filters.country:
        packages = packages.filter(location_codes__contains=[filters.country.upper()])
    if filters.region:
        packages = packages.filter(region=filters.region)
    if filters.featured is not None:
        packages = packages.filter(is_featured=filters.featured)
    if filters.min_price is not None:
        packages = packages.filter(customer_price__gte=filters.min_price)
    if filters.max_price is not None:
        packages = packages.filter(customer_price__lte=filters.max_price)
    if filters.data_type is not None:
        packages = packages.filter(data_type=filters.data_type)
    if filters.min_volume_bytes is not None:
        packages = packages.filter(volume_bytes__gte=filters.min_volume_bytes)
    if filters.min_duration is not None:
        packages = packages.filter(duration__gte=filters.min_duration)
    if filters.on_sale:
        packages = packages.filter(customer_price__lt=F(base_price_field(filters.currency)))
    if filters.q:
        text = filters.q.strip()
        match = (
            Q(name__icontains=text)
            | Q(display_name__icontains=text)
            | Q(slug__iexact=text)
            | Q(package_code__iexact=text)
        )
        if len(text) == 2 and text.isalpha():
            match |= Q(location_codes__contains=[text.upper()])
        packages = packages.filter(match)
    # The operator lists (large for regional and global packages) are shown only in detail.
    return packages.defer("operator_list").order_by(*SORTS[filters.sort])


def page_of(packages: QuerySet[Any], *, page: int, page_size: int) -> list[EsimPackage]:
    """One page, in two short queries: the ids are sorted on narrow rows, then only the page's
    rows are read whole. Sorting whole rows (wide: names and coverage) costs several times more."""
    # The price is selected so that the sort reads it from the row instead of working it out
    # again (PostgreSQL sorts by a selected column by reference).
    rows = packages.values_list("pk", "customer_price")[(page - 1) * page_size : page * page_size]
    ids = [pk for pk, _ in rows]
    by_id = packages.model.objects.defer("operator_list").in_bulk(ids)
    return [by_id[pk] for pk in ids if pk in by_id]


def listed_package(id_or_slug: str) -> EsimPackage | None:
    """One active package by id or slug; discontinued ones too, so they can say why they
    cannot be bought."""
    packages = EsimPackage.objects.filter(is_active=True)
    if "\x00" in id_or_slug:  # PostgreSQL refuses NUL in text: no package is named so
        return None
    try:
        return packages.filter(pk=uuid.UUID(id_or_slug)).first()
    except ValueError:
        return packages.filter(slug=id_or_slug).first()


def packages_by_key(keys: Sequence[str]) -> dict[str, EsimPackage]:
    """Active packages by id or slug, as `listed_package` takes them, in one query. A key that
    names no active package is missing from the answer."""
    ids: dict[str, uuid.UUID] = {}
    for key in keys:
        try:
            ids[key] = uuid.UUID(key)
        except ValueError:
            continue
    slugs = [key for key in keys if key not in ids and "\x00" not in key]
    found = EsimPackage.objects.filter(is_active=True).filter(
        Q(pk__in=ids.values()) | Q(slug__in=slugs)
    )
    by_id = {package.pk: package for package in found}
    by_slug = {package.slug: package for package in by_id.values() if package.slug}
    by_key = {key: by_id.get(ids[key]) if key in ids else by_slug.get(key) for key in keys}
    return {key: package for key, package in by_key.items() if package is not None}


def catalogue_facets(currency: str, now: datetime) -> dict[str, Any]:
    """What a shopper can filter by, over the whole listed catalogue, in one query."""
    price = customer_price(currency, now)
    effective_category = Coalesce(NullIf("category_override", Value("")), "auto_category")
    found = listed_packages().aggregate(
        categories=ArrayAgg(effective_category, distinct=True, default=[]),
        regions=ArrayAgg("region", distinct=True, default=[]),
        low=Min(price),
        high=Max(price),
    )
    return {
        "categories": sorted(set(found["categories"]) - {"", None}),
        "regions": sorted(set(found["regions"]) - {""}),
        "priceRange": {"min": found["low"] or 0, "max": found["high"] or 0, "currency": currency},
    }


@dataclass(frozen=True)
class Destination:
    """A country the shop sells eSIMs for."""

    code: str  # ISO 3166-1 alpha-2, upper case
    name: str
    packages: int  # listed packages that work there
    is_popular: bool  # a featured or bestselling single-country package serves it


def destinations() -> list[Destination]:
    """Every country some listed single-country or regional package covers, by name; global
    packages are left out (they would make every country a destination). One query."""
    names: dict[str, str] = {}
    counts: dict[str, int] = {}
    popular: set[str] = set()
    rows = listed_packages().exclude(coverage="global")
    for codes, location_names, coverage, featured, bestseller in rows.values_list(
        "location_codes", "location_names", "coverage", "is_featured", "is_bestseller"
    ):
        for code in codes:
            code = code.upper()
            counts[code] = counts.get(code, 0) + 1
            names.setdefault(code, (location_names or {}).get(code) or code)
            if coverage == "single" and (featured or bestseller):
                popular.add(code)
    return sorted(
        (Destination(code, names[code], counts[code], code in popular) for code in counts),
        key=lambda destination: destination.name,
    )
