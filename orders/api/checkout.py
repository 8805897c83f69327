"""Checkout API: POST /api/v1/checkout and /api/v1/checkout/validate-discount."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.acquisition_api import AcquisitionInput, touch_from
from accounts.models import User
from accounts.visitors import VISITOR_ID_PARAMETER, api_visitor
from hiroam.api.throttling import email_in_body
from orders import selectors
from orders.api.customer_orders import pricing_body
from orders.idempotency import idempotent
from orders.models import access_token_for
from orders.services.checkout import Checkout, create_checkout
from pricing.experiments.audience import audience_for
from pricing.promo_codes import ValidatedCode, validate_promo_code

MAX_CART_ITEMS = 10


def camel_case(value: Any) -> Any:
    """The keys of nested dicts in camelCase, as the API spells them."""
    if isinstance(value, dict):
        return {
            re.sub(r"_([a-z])", lambda m: m.group(1).upper(), key): camel_case(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [camel_case(item) for item in value]
    return value


def validated_code_body(validated: ValidatedCode) -> dict[str, Any]:
    discount, total = validated.discount, validated.total
    return {
        "valid": True,
        "code": discount.code,
        "currency": "USD",
        "subtotalCents": total.subtotal_cents,
        "productDiscountCents": total.product_discount_cents,
        "discountAmountCents": validated.discount_cents,
        "totalCents": total.total_cents,
        "discountDetails": {
            "type": discount.discount_type,
            "value": discount.discount_value,
            "maxDiscountCents": discount.max_discount_cents,
        },
        "breakdown": camel_case(total.breakdown()),
    }


class DiscountDetailsSchema(serializers.Serializer[Any]):
    type = serializers.ChoiceField(choices=["percentage", "fixed"])
    value = serializers.IntegerField(help_text="Basis points (1000 = 10 %) or USD cents.")
    maxDiscountCents = serializers.IntegerField(allow_null=True)


class BreakdownLineSchema(serializers.Serializer[Any]):
    packageId = serializers.UUIDField()
    quantity = serializers.IntegerField()
    unitPriceCents = serializers.IntegerField()
    unitDiscountCents = serializers.IntegerField(help_text="The package's own discount, per unit.")
    schedule = serializers.CharField(allow_null=True, help_text="The price schedule applied.")
    experiment = serializers.DictField(
        allow_null=True,
        help_text="{experimentId, experiment, variantId, variant}: the price experiment's "
        "variant that priced this line (null: none).",
    )
    subtotalCents = serializers.IntegerField()
    productDiscountCents = serializers.IntegerField()
    codeDiscountCents = serializers.IntegerField(help_text="This line's share of the code.")
    pointsDiscountCents = serializers.IntegerField(help_text="This line's share of the points.")
    totalCents = serializers.IntegerField()


class BreakdownSchema(serializers.Serializer[Any]):
    lines = BreakdownLineSchema(many=True)
    code = serializers.DictField(help_text="{code, applied, reason}")
    points = serializers.DictField(
        allow_null=True, help_text="{redeemed, discountCents}: points paying part of the order."
    )
    subtotalCents = serializers.IntegerField()
    productDiscountCents = serializers.IntegerField()
    codeDiscountCents = serializers.IntegerField()
    pointsDiscountCents = serializers.IntegerField()
    totalCents = serializers.IntegerField()


class ValidatedCodeSchema(serializers.Serializer[Any]):
    """Documents the answer (built by validated_code_body)."""

    valid = serializers.BooleanField()
    code = serializers.CharField(help_text="The code as the shop spells it.")
    currency = serializers.CharField()
    subtotalCents = serializers.IntegerField(help_text="Before any discount.")
    productDiscountCents = serializers.IntegerField(help_text="From the packages' schedules.")
    discountAmountCents = serializers.IntegerField(help_text="What the code takes off.")
    totalCents = serializers.IntegerField(help_text="What the customer would pay.")
    discountDetails = DiscountDetailsSchema()
    breakdown = BreakdownSchema()


class CartItemInput(serializers.Serializer[Any]):
    packageId = serializers.CharField(max_length=100, help_text="The package's id or slug.")
    quantity = serializers.IntegerField(
        min_value=1, help_text="At most the package's max_per_order."
    )


class ValidateDiscountView(APIView):
    """Whether a promo code may be used on a cart, and the cart's total with it. Writes
    nothing: the code is only spent when an order is paid."""

    permission_classes = (AllowAny,)
    throttle_scope = "validate_discount"

    class ValidateDiscountInput(serializers.Serializer[Any]):
        items = serializers.ListField(
            child=CartItemInput(), min_length=1, max_length=MAX_CART_ITEMS
        )
        email = serializers.EmailField(max_length=254)
        code = serializers.CharField(max_length=50)

    @extend_schema(
        request=ValidateDiscountInput,
        responses={200: ValidatedCodeSchema},
        tags=["checkout"],
        operation_id="checkout_validate_discount",
        parameters=[VISITOR_ID_PARAMETER],
    )
    def post(self, request: Request) -> Response:
        data = self.ValidateDiscountInput(data=request.data)
        data.is_valid(raise_exception=True)
        now = timezone.now()
        user = request.user if isinstance(request.user, User) else None
        email = data.validated_data["email"]
        items = [
            selectors.CartItem(package_key=item["packageId"], quantity=item["quantity"])
            for item in data.validated_data["items"]
        ]
        validated = validate_promo_code(
            code=data.validated_data["code"],
            lines=selectors.priced_cart(items, now, audience_for(api_visitor(request), now)).lines,
            email=email,
            user=user,
            has_purchased_before=selectors.has_completed_purchase(user=user, email=email),
            now=now,
        )
        return Response(validated_code_body(validated))


class CheckoutInput(AcquisitionInput):
    items = serializers.ListField(child=CartItemInput(), min_length=1, max_length=MAX_CART_ITEMS)
    email = serializers.EmailField(max_length=254)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    code = serializers.CharField(max_length=50, required=False, allow_blank=True, default="")
    points = serializers.IntegerField(
        min_value=0,
        max_value=100_000_000,
        required=False,
        default=0,
        help_text="Signed-in only: pay with up to this many points (100 points = $1 by "
        "default, at most half of what is left after the code), never more than the customer "
        "has free. Only what the discount needs is used.",
    )


class CheckoutPricingSchema(serializers.Serializer[Any]):
    subtotal = serializers.IntegerField(help_text="USD cents, before any discount.")
    product_discount = serializers.IntegerField()
    code_discount = serializers.IntegerField()
    points_discount = serializers.IntegerField()
    total = serializers.IntegerField(help_text="What the customer pays.")


class CheckoutSchema(serializers.Serializer[Any]):
    """Documents the answer (plan Appendix B, plus the guest's access token)."""

    order_id = serializers.UUIDField()
    order_number = serializers.CharField()
    status = serializers.CharField()
    checkout_url = serializers.URLField(help_text="Paddle's hosted checkout for this order.")
    access_token = serializers.CharField(
        help_text="The secret that opens this order without signing in "
        "(GET /api/v1/orders/{id}?token=...). Shown only here and in the confirmation email."
    )
    expires_at = serializers.DateTimeField(help_text="Unpaid by then, the order expires.")
    pricing = CheckoutPricingSchema()
    points_redeemed = serializers.IntegerField(help_text="Held now, spent when paid.")
    breakdown = BreakdownSchema()


def checkout_body(checkout: Checkout) -> dict[str, Any]:
    order = checkout.order
    return {
        "order_id": str(order.pk),
        "order_number": order.order_number,
        "status": order.status,
        "checkout_url": order.paddle_checkout_url,
        "access_token": checkout.access_token,
        "expires_at": order.expires_at.isoformat(),
        "pricing": pricing_body(order),
        "points_redeemed": order.points_redeemed,
        "breakdown": camel_case(order.pricing_breakdown),
    }


class CheckoutView(APIView):
    """Creates a pending order priced by the server and opens its Paddle payment. A guest or
    a signed-in customer; an Idempotency-Key header makes a retried request safe."""

    permission_classes = (AllowAny,)
    throttle_scope = "checkout"
    throttle_scopes = [("checkout_email", email_in_body)]

    @extend_schema(
        request=CheckoutInput,
        responses={201: CheckoutSchema},
        tags=["checkout"],
        operation_id="checkout_create",
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                str,
                OpenApiParameter.HEADER,
                description="Same key and body within 24 h: the first answer again.",
            ),
            VISITOR_ID_PARAMETER,
        ],
    )
    def post(self, request: Request) -> Response:
        return idempotent(
            request,
            endpoint="checkout",
            handle=lambda: self._checkout(request),
            # The guest's secret link is not stored with the answer; a replay works it out.
            conceal=lambda data: {**data, "access_token": None},
            reveal=lambda data: {**data, "access_token": access_token_for(data["order_id"])},
        )

    def _checkout(self, request: Request) -> Response:
        data = CheckoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        checkout = create_checkout(
            items=[
                selectors.CartItem(package_key=item["packageId"], quantity=item["quantity"])
                for item in data.validated_data["items"]
            ],
            email=data.validated_data["email"],
            name=data.validated_data["name"],
            code=data.validated_data["code"] or None,
            user=request.user if isinstance(request.user, User) else None,
            points=data.validated_data["points"],
            touch=touch_from(data.validated_data, request),
            visitor=api_visitor(request),
            now=timezone.now(),
        )
        return Response(checkout_body(checkout), status=201)
