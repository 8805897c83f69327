"""Checkout API: POST /api/v1/checkout/validate-discount."""

from __future__ import annotations

import re
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from orders import selectors
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
    subtotalCents = serializers.IntegerField()
    productDiscountCents = serializers.IntegerField()
    codeDiscountCents = serializers.IntegerField(help_text="This line's share of the code.")
    totalCents = serializers.IntegerField()


class BreakdownSchema(serializers.Serializer[Any]):
    lines = BreakdownLineSchema(many=True)
    code = serializers.DictField(help_text="{code, applied, reason}")
    subtotalCents = serializers.IntegerField()
    productDiscountCents = serializers.IntegerField()
    codeDiscountCents = serializers.IntegerField()
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
            lines=selectors.priced_cart(items, now),
            email=email,
            user=user,
            has_purchased_before=selectors.has_completed_purchase(user=user, email=email),
            now=now,
        )
        return Response(validated_code_body(validated))
