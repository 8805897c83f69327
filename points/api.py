"""GET /api/v1/me/points: the signed-in customer's points figures and their ledger (plan
section 6.1, `user-points`). Only ever the caller's own: the user comes from the token."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from hiroam.api.pagination import PagePagination
from points import selectors
from points.models import PointsTransaction


class LedgerEntrySchema(serializers.ModelSerializer[PointsTransaction]):
    class Meta:
        model = PointsTransaction
        fields = (
            "id",
            "kind",
            "points",
            "balance_after",
            "reason",
            "note",
            "order_id",
            "created_at",
            "expires_at",
        )
        read_only_fields = fields


class NextExpirySchema(serializers.Serializer[Any]):
    date = serializers.DateField(source="on", help_text="The day (UTC) they expire.")
    points = serializers.IntegerField()


class LifetimeSchema(serializers.Serializer[Any]):
    earned = serializers.IntegerField()
    spent = serializers.IntegerField()
    expired = serializers.IntegerField()


class PointsSchema(serializers.Serializer[Any]):
    balance = serializers.IntegerField()
    reserved = serializers.IntegerField(help_text="Held by unpaid orders that redeem points.")
    available = serializers.IntegerField(help_text="What may be redeemed now.")
    lifetime = LifetimeSchema(source="*")
    next_expiry = NextExpirySchema(allow_null=True)


class PointsPageSchema(PointsSchema):
    """For the OpenAPI schema: the figures, then one page of the ledger."""

    results = LedgerEntrySchema(many=True)
    pagination = serializers.DictField(help_text="page, page_size, total, total_pages")


class MyPointsView(APIView):
    permission_classes = (IsAuthenticated,)
    throttle_scope = "points"

    @extend_schema(
        parameters=[
            OpenApiParameter("page", int, description="1-based page of the ledger."),
            OpenApiParameter("page_size", int, description="Ledger entries per page (1 to 100)."),
        ],
        responses={200: PointsPageSchema},
        tags=["account"],
        operation_id="me_points",
        description="Balance, reserved and available points, lifetime figures, the next expiry "
        "and the ledger, newest first.",
    )
    def get(self, request: Request) -> Response:
        user_id = request.user.pk
        paginator = PagePagination()
        page = paginator.paginate_queryset(
            selectors.ledger_for_customer(user_id=user_id), request, view=self
        )
        ledger = paginator.get_paginated_response(LedgerEntrySchema(page, many=True).data)
        figures = PointsSchema(selectors.points_summary(user_id=user_id)).data
        return Response({**figures, **ledger.data})
