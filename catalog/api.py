"""The public catalogue: GET /api/v1/packages and GET /api/v1/packages/{id or slug}."""

from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.views import APIView

from accounts.visitors import VISITOR_ID_PARAMETER, api_visitor
from catalog import selectors
from catalog.availability import availability
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
    CURRENCIES,
    Audience,
    DisplayPrice,
    audience_of,
    display_prices,
    next_price_change,
)
from hiroam.api.envelope import encode_data, envelope_response
from hiroam.api.errors import NotFoundError


def package_body(
    package: EsimPackage, price: DisplayPrice, currency: str, now: datetime, *, detail: bool = False
) -> dict[str, Any]:
    status = availability(package, now)
    body = {
        "id": str(package.pk),
        "package_code": package.package_code,
        "slug": package.slug,
        "name": package.title,
        "description": package.custom_description or package.description,
        "volume_bytes": package.volume_bytes,
        "duration": package.duration,
        "duration_unit": package.duration_unit,
        "data_type": package.data_type,
        "speed": package.speed,
        "location_codes": package.location_codes,
        "location_names": package.location_names,
        "coverage": package.coverage,
        "region": package.region,
        "category": package.category,
        "supports_topup": package.support_topup,
        "is_featured": package.is_featured,
        "is_bestseller": package.is_bestseller,
        "is_new": package.is_new,
        "tags": package.tags,
        "image_url": package.image_url or None,
        "max_per_order": package.max_per_order,
        "pricing": price.as_block(currency),
        "availability": {
            "isPurchasable": status.is_purchasable,
            "reason": status.reason,
            "reasonCode": status.reason_code,
            "availableAt": status.available_at.isoformat() if status.available_at else None,
            "stockRemaining": status.stock_remaining,
        },
    }
    if detail:
        body["operators"] = package.operator_list
        body["ip_export"] = package.ip_export
        body["activation"] = (
            "on first network use" if package.active_type == 2 else "on installation"
        )
    return body


class PricingSchema(serializers.Serializer):
    currency = serializers.CharField()
    originalPrice = serializers.IntegerField(help_text="Minor units: USD cents or whole IDR.")
    finalPrice = serializers.IntegerField()
    hasDiscount = serializers.BooleanField()
    discountLabel = serializers.CharField(allow_null=True)
    savingsAmount = serializers.IntegerField()
    scheduleName = serializers.CharField(allow_null=True)
    badgeText = serializers.CharField(allow_null=True)
    badgeColor = serializers.CharField(allow_null=True)
    discountEndsAt = serializers.DateTimeField(allow_null=True)
    lowestPrice30Days = serializers.IntegerField(
        allow_null=True,
        help_text="Discounted packages only: the lowest final price in the 30 days before the "
        "promotion began (EU price-indication rule), in the same minor units.",
    )


class AvailabilitySchema(serializers.Serializer):
    isPurchasable = serializers.BooleanField()
    reason = serializers.CharField(allow_null=True)
    reasonCode = serializers.CharField(
        allow_null=True,
        help_text="inactive, discontinued, unavailable, not_yet, expired, out_of_stock",
    )
    availableAt = serializers.DateTimeField(allow_null=True)
    stockRemaining = serializers.IntegerField(allow_null=True)


class PackageSchema(serializers.Serializer):
    """Documents the answer (built by package_body)."""

    id = serializers.UUIDField()
    package_code = serializers.CharField()
    slug = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    description = serializers.CharField()
    volume_bytes = serializers.IntegerField()
    duration = serializers.IntegerField()
    duration_unit = serializers.CharField()
    data_type = serializers.IntegerField()
    speed = serializers.CharField()
    location_codes = serializers.ListField(child=serializers.CharField())
    location_names = serializers.DictField(child=serializers.CharField())
    coverage = serializers.CharField()
    region = serializers.CharField()
    category = serializers.CharField()
    supports_topup = serializers.BooleanField()
    is_featured = serializers.BooleanField()
    is_bestseller = serializers.BooleanField()
    is_new = serializers.BooleanField()
    tags = serializers.ListField(child=serializers.CharField())
    image_url = serializers.URLField(allow_null=True)
    max_per_order = serializers.IntegerField()
    pricing = PricingSchema()
    availability = AvailabilitySchema()


MAX_QUERY_INT = 2**31 - 1  # PostgreSQL's integer; a page's offset then still fits a bigint


class PackageListSchema(serializers.Serializer):
    packages = PackageSchema(many=True)
    total = serializers.IntegerField()
    pagination = serializers.DictField()
    filters = serializers.DictField(help_text="categories, regions, priceRange {min, max}")


class PackageListView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_scope = "packages"

    class Query(serializers.Serializer):
        currency = serializers.ChoiceField(choices=CURRENCIES, default="USD")
        category = serializers.CharField(max_length=50, required=False)
        country = serializers.RegexField(r"^[A-Za-z]{2}$", required=False)
        region = serializers.ChoiceField(choices=REGIONS, required=False)
        featured = serializers.BooleanField(required=False, allow_null=True, default=None)
        # Bounded so the database never sees a number past its integer columns (a 500).
        min_price = serializers.IntegerField(min_value=0, max_value=MAX_QUERY_INT, required=False)
        max_price = serializers.IntegerField(min_value=0, max_value=MAX_QUERY_INT, required=False)
        q = serializers.CharField(max_length=100, required=False)
        data_type = serializers.IntegerField(min_value=1, max_value=4, required=False)
        sort = serializers.ChoiceField(choices=list(selectors.SORTS), default="sort_order")
        page = serializers.IntegerField(min_value=1, max_value=MAX_QUERY_INT, default=1)
        page_size = serializers.IntegerField(min_value=1, max_value=100, default=20)

    @extend_schema(
        parameters=[Query, VISITOR_ID_PARAMETER],
        responses={200: PackageListSchema},
        tags=["catalog"],
        operation_id="packages_list",
        description="Active packages with their price and availability, and facets for filtering.",
    )
    @reads_catalogue
    def get(self, request: Request) -> HttpResponse:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        params = dict(query.validated_data)
        now = timezone.now()
        audience = audience_of(api_visitor(request), now)
        encoded = cached_for(
            audience, "list", params, lambda: _package_list(params, audience, now), now
        )
        return envelope_response(encoded)


def _facets(currency: str, now: datetime, prices_change_at: datetime | None) -> dict[str, Any]:
    # The same for every query of a currency: cached on its own, so a new filter combination
    # costs only its page. The price range moves when any schedule starts or ends.
    return cached_answer(
        "facets",
        {"currency": currency},
        lambda: (
            selectors.catalogue_facets(currency, now),
            seconds_until(prices_change_at, now),
        ),
    )


def _package_list(
    params: dict[str, Any], audience: Audience, now: datetime
) -> tuple[tuple[bytes, tuple[str, ...]], float]:
    """The encoded answer and the experiments whose prices it shows, with its lifetime."""
    page, page_size = params.pop("page"), params.pop("page_size")
    filters = selectors.PackageFilters(**params)
    packages = selectors.filtered_packages(filters, now, audience)
    total = packages.count()
    on_page = selectors.page_of(packages, page=page, page_size=page_size)
    prices = display_prices(on_page, filters.currency, now, audience)
    prices_change_at = next_price_change(now)
    answer = {
        "packages": [
            package_body(package, prices[package.pk], filters.currency, now) for package in on_page
        ],
        "total": total,
        "pagination": {
            "page": page,
            "page_size": page_size,
            "total": total,
            "total_pages": -(-total // page_size),
        },
        "filters": _facets(filters.currency, now, prices_change_at),
    }
    # Packages off this page sort and filter by their price too: a schedule starting anywhere
    # can change which packages the page holds.
    lifetime = min(lifetime_seconds(on_page, prices, now), seconds_until(prices_change_at, now))
    return (encode_data(answer), audience.experiments_on(on_page)), lifetime


class PackageDetailView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_scope = "packages"

    class Query(serializers.Serializer):
        currency = serializers.ChoiceField(choices=CURRENCIES, default="USD")

    @extend_schema(
        parameters=[
            Query,
            OpenApiParameter("id_or_slug", str, OpenApiParameter.PATH),
            VISITOR_ID_PARAMETER,
        ],
        responses={200: PackageSchema},
        tags=["catalog"],
    )
    @reads_catalogue
    def get(self, request: Request, id_or_slug: str) -> HttpResponse:
        query = self.Query(data=request.query_params)
        query.is_valid(raise_exception=True)
        currency = query.validated_data["currency"]
        now = timezone.now()
        audience = audience_of(api_visitor(request), now)

        def build() -> tuple[tuple[bytes, tuple[str, ...]] | None, float]:
            package = selectors.listed_package(id_or_slug)
            if package is None:
                return None, 0
            prices = display_prices([package], currency, now, audience)
            body = package_body(package, prices[package.pk], currency, now, detail=True)
            answer = (encode_data(body), audience.experiments_on([package]))
            return answer, lifetime_seconds([package], prices, now)

        params = {"key": id_or_slug, "currency": currency}
        encoded = cached_for(audience, "detail", params, build, now)
        if encoded is None:
            raise NotFoundError("No such package.")
        return envelope_response(encoded)
