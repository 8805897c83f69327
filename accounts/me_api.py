"""The signed-in customer's own account: GET and PATCH /me (details and preferences),
GET /me/export (a copy of all their data) and DELETE /me (erasure, with their password)."""

from typing import Any

from django.core.validators import RegexValidator
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.exceptions import NotAuthenticated
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services
from accounts.data_rights import erase_own_account, export_customer_data
from accounts.models import CustomerProfile, User
from accounts.selectors import customer_details
from hiroam.api.throttling import Ident, client_ident

# Digits with the usual separators, an optional leading +; at least 6 digits in all.
phone_number = RegexValidator(
    r"^\+?(?:[ ().\-]*[0-9]){6,20}[ ().\-]*$",
    "Enter a phone number: digits, optionally a leading + and spaces, dots, dashes or brackets.",
)


def signed_in_customer(request: Request) -> User:
    user = request.user
    if not isinstance(user, User):  # IsAuthenticated ran first; this narrows the type
        raise NotAuthenticated()
    return user


class MeOutput(serializers.Serializer):
    id = serializers.UUIDField()
    email = serializers.EmailField(help_text="Read-only here.")
    email_verified = serializers.BooleanField()
    full_name = serializers.CharField()
    phone = serializers.CharField()
    preferred_currency = serializers.ChoiceField(choices=CustomerProfile.Currency.choices)
    email_notifications = serializers.BooleanField()
    date_joined = serializers.DateTimeField()


class MeView(APIView):
    permission_classes = (IsAuthenticated,)
    throttle_scope = "me"

    @property
    def throttle_scopes(self) -> list[tuple[str, Ident]]:
        # Erasure takes the password: counted on its own, tighter limit, so it is no way to
        # guess the password of an account whose access token was stolen.
        return [("me_erase", client_ident)] if self.request.method == "DELETE" else []

    class MeInput(serializers.Serializer):
        full_name = serializers.CharField(max_length=255, allow_blank=True, required=False)
        phone = serializers.CharField(
            max_length=50, allow_blank=True, required=False, validators=[phone_number]
        )
        preferred_currency = serializers.ChoiceField(
            choices=CustomerProfile.Currency.choices, required=False
        )
        email_notifications = serializers.BooleanField(required=False)

        def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
            # A field we do not change is refused rather than silently ignored: the client
            # would otherwise believe it was saved.
            unknown = sorted(set(self.initial_data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {
                        name: [
                            "The email address cannot be changed here."
                            if name == "email"
                            else "Unknown field."
                        ]
                        for name in unknown
                    }
                )
            return attrs

    class EraseInput(serializers.Serializer):
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(responses={200: MeOutput}, tags=["account"])
    def get(self, request: Request) -> Response:
        return Response(MeOutput(customer_details(signed_in_customer(request))).data)

    @extend_schema(request=MeInput, responses={200: MeOutput}, tags=["account"])
    def patch(self, request: Request) -> Response:
        data = self.MeInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = services.update_customer_details(
            user_id=signed_in_customer(request).pk, **data.validated_data
        )
        return Response(MeOutput(customer_details(user)).data)

    @extend_schema(request=EraseInput, responses={200: None}, tags=["account"])
    def delete(self, request: Request) -> Response:
        data = self.EraseInput(data=request.data)
        data.is_valid(raise_exception=True)
        erase_own_account(
            user=signed_in_customer(request),
            password=data.validated_data["password"],
            now=timezone.now(),
        )
        return Response(None)


# For the schema: the export's parts (each app registers its own: accounts.data_rights).
ExportOutput = inline_serializer(
    "CustomerDataExport",
    {
        "exported_at": serializers.DateTimeField(),
        "account": serializers.JSONField(),
        "profile": serializers.JSONField(allow_null=True),
        "orders": serializers.ListField(
            child=serializers.JSONField(), help_text="With items, their eSIMs, and refunds."
        ),
        "emails_sent": serializers.ListField(child=serializers.JSONField()),
        "payment_events": serializers.ListField(child=serializers.JSONField()),
        "promo_code_uses": serializers.ListField(child=serializers.JSONField()),
        "points_ledger": serializers.ListField(child=serializers.JSONField()),
        "points_expiry_notices": serializers.ListField(child=serializers.JSONField()),
    },
)


class MyDataExportView(APIView):
    permission_classes = (IsAuthenticated,)
    throttle_scope = "me_export"

    @extend_schema(responses={200: ExportOutput}, tags=["account"])
    def get(self, request: Request) -> Response:
        user = signed_in_customer(request)
        return Response(export_customer_data(user=user, now=timezone.now()))
