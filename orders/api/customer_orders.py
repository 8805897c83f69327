"""GET /api/v1/orders (a signed-in customer's own) and GET /api/v1/orders/{id} (its owner, or
a guest with the order's access token). Nobody sees another customer's order: a wrong owner or
token answers exactly like an order that does not exist (404)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import User
from hiroam.api.errors import ErrorCode, NotFoundError
from hiroam.api.pagination import PagePagination
from orders import selectors
from orders.models import EsimProfile, Order, OrderItem, OrderStatus


class OrderItemSchema(serializers.ModelSerializer[OrderItem]):
    package_id = serializers.UUIDField()

    class Meta:
        model = OrderItem
        fields = (
            "package_id",
            "package_code",
            "package_name",
            "quantity",
            "unit_price_cents",
            "product_discount_cents",
            "final_unit_price_cents",
            "code_discount_cents",
            "points_discount_cents",
            "total_cents",
            "schedule_name",
            "status",
        )


class EsimProfileSchema(serializers.ModelSerializer[EsimProfile]):
    """One eSIM to install: only ever shown to the order's owner or its token holder."""

    order_item_id = serializers.UUIDField()

    class Meta:
        model = EsimProfile
        fields = (
            "id",
            "order_item_id",
            "profile_index",
            "iccid",
            "qr_code_url",
            "short_url",
            "sm_dp_address",
            "activation_code",
            "manual_code",
            "esim_status",
            "smdp_status",
            "data_used_bytes",
            "data_total_bytes",
            "usage_percentage",
            "expires_at",
            "resource_ready_at",
            "installed_at",
        )


class OrderSchema(serializers.ModelSerializer[Order]):
    """An order as its customer sees it (amounts in USD cents), with its eSIMs once delivered."""

    items = OrderItemSchema(many=True)
    profiles = EsimProfileSchema(many=True)
    pricing = serializers.SerializerMethodField()
    checkout_url = serializers.SerializerMethodField(
        help_text="Where to pay, while the order is waiting for payment."
    )

    class Meta:
        model = Order
        fields = (
            "id",
            "order_number",
            "status",
            "payment_status",
            "esim_status",
            "currency_code",
            "pricing",
            "discount_code_used",
            "items",
            "profiles",
            "checkout_url",
            "customer_email",
            "customer_name",
            "points_earned",
            "points_redeemed",
            "created_at",
            "expires_at",
            "paid_at",
            "completed_at",
        )

    def get_pricing(self, order: Order) -> dict[str, int]:
        return pricing_body(order)

    def get_checkout_url(self, order: Order) -> str | None:
        return order.paddle_checkout_url or None if order.status == OrderStatus.PENDING else None


def pricing_body(order: Order) -> dict[str, int]:
    """The order's amounts in USD cents, as charged."""
    return {
        "subtotal": order.subtotal_cents,
        "product_discount": order.product_discount_cents,
        "code_discount": order.code_discount_cents,
        "points_discount": order.points_discount_cents,
        "total": order.total_cents,
    }


class OrderListView(ListAPIView[Order]):
    permission_classes = (IsAuthenticated,)
    throttle_scope = "orders"
    serializer_class = OrderSchema
    pagination_class = PagePagination
    queryset = Order.objects.none()  # for the schema; requests use get_queryset

    class Query(serializers.Serializer[Any]):
        status = serializers.ChoiceField(choices=OrderStatus.choices, required=False)

    @extend_schema(parameters=[Query], tags=["orders"], operation_id="orders_list")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, not a customer
            return Order.objects.none()
        query = self.Query(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        user = self.request.user
        assert isinstance(user, User)  # noqa: S101 (IsAuthenticated ran first)
        return selectors.orders_for_customer(user, status=query.validated_data.get("status"))


class OrderDetailView(APIView):
    permission_classes = (AllowAny,)
    throttle_scope = "order_detail"

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "token", str, description="The guest's access token from the checkout."
            )
        ],
        responses={200: OrderSchema},
        tags=["orders"],
        operation_id="orders_detail",
    )
    def get(self, request: Request, order_id: str) -> Response:
        order = selectors.order_for_viewer(
            order_id,
            user=request.user if isinstance(request.user, User) else None,
            token=request.query_params.get("token"),
        )
        if order is None:
            raise NotFoundError("No such order.", code=ErrorCode.ORDER_NOT_FOUND)
        return Response(OrderSchema(order).data)
