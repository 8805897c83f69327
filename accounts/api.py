"""Customer authentication: register, log in, refresh, log out, verify the email."""

from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import email_verification, services
from accounts.acquisition_api import AcquisitionInput, touch_from
from accounts.me_api import signed_in_customer
from accounts.models import User
from accounts.visitors import (
    VISITOR_HEADER,
    VISITOR_ID_PARAMETER,
    announce_sign_in,
    guest_visitor,
)
from hiroam.api.throttling import email_in_body

VerificationOutput = inline_serializer(
    "EmailVerification",
    {
        "email": serializers.EmailField(),
        "email_verified": serializers.BooleanField(),
        "verification_sent": serializers.BooleanField(
            help_text="Whether a new link is on its way (never once verified)."
        ),
    },
)


class UserOutput(serializers.ModelSerializer):
    email_verified = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = ("id", "email", "email_verified", "full_name", "date_joined")
        read_only_fields = fields

    def get_email_verified(self, user: User) -> bool:
        return user.email_verified_at is not None


TokensOutput = inline_serializer(
    "Tokens",
    {"access": serializers.CharField(), "refresh": serializers.CharField(), "user": UserOutput()},
)


def _tokens_body(user: User, tokens: dict[str, str]) -> dict[str, Any]:
    return {**tokens, "user": UserOutput(user).data}


class RegisterView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_scope = "register"

    class RegisterInput(AcquisitionInput):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)
        full_name = serializers.CharField(
            max_length=255, required=False, default="", allow_blank=True
        )

    @extend_schema(
        request=RegisterInput,
        responses={201: TokensOutput},
        tags=["auth"],
        parameters=[VISITOR_ID_PARAMETER],
    )
    def post(self, request: Request) -> Response:
        data = self.RegisterInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = data.validated_data
        user = services.register_customer(
            email=values["email"],
            password=values["password"],
            full_name=values["full_name"],
            touch=touch_from(values, request),
        )
        announce_sign_in(user, guest_visitor(request.headers.get(VISITOR_HEADER)))
        return Response(_tokens_body(user, services.issue_tokens(user)), status=201)


class LoginView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_scope = "login"
    # Also counted per email tried, from any client: a guesser spread over many addresses
    # gets no more attempts at one account.
    throttle_scopes = [("login_email", email_in_body)]

    class LoginInput(serializers.Serializer):
        email = serializers.EmailField(max_length=254)
        password = serializers.CharField(max_length=128, trim_whitespace=False)

    @extend_schema(
        request=LoginInput,
        responses={200: TokensOutput},
        tags=["auth"],
        parameters=[VISITOR_ID_PARAMETER],
    )
    def post(self, request: Request) -> Response:
        data = self.LoginInput(data=request.data)
        data.is_valid(raise_exception=True)
        user, tokens = services.log_in(request=request._request, **data.validated_data)
        announce_sign_in(user, guest_visitor(request.headers.get(VISITOR_HEADER)))
        return Response(_tokens_body(user, tokens))


class RefreshView(APIView):
    """Trades a refresh token for a new access token and a new refresh token (the old one
    stops working)."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_scope = "token_refresh"

    class RefreshInput(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(
        request=RefreshInput,
        responses={
            200: inline_serializer(
                "RefreshedTokens",
                {"access": serializers.CharField(), "refresh": serializers.CharField()},
            )
        },
        tags=["auth"],
    )
    def post(self, request: Request) -> Response:
        data = self.RefreshInput(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(services.refresh_tokens(refresh_token=data.validated_data["refresh"]))


class LogoutView(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_scope = "token_refresh"

    class LogoutInput(serializers.Serializer):
        refresh = serializers.CharField()

    @extend_schema(request=LogoutInput, responses={200: None}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = self.LogoutInput(data=request.data)
        data.is_valid(raise_exception=True)
        services.log_out(refresh_token=data.validated_data["refresh"])
        return Response(None)


class VerifyEmailView(APIView):
    """The token from the verification email (apps open the link themselves and post it)."""

    permission_classes = (AllowAny,)
    authentication_classes = ()
    throttle_scope = "verify_email"

    class VerifyEmailInput(serializers.Serializer):
        token = serializers.CharField(max_length=500)

    @extend_schema(request=VerifyEmailInput, responses={200: VerificationOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        data = self.VerifyEmailInput(data=request.data)
        data.is_valid(raise_exception=True)
        user = email_verification.confirm_email(
            token=data.validated_data["token"], now=timezone.now()
        )
        return Response({"email": user.email, "email_verified": True, "verification_sent": False})


class ResendVerificationView(APIView):
    permission_classes = (IsAuthenticated,)
    throttle_scope = "verify_email_resend"

    @extend_schema(request=None, responses={200: VerificationOutput}, tags=["auth"])
    def post(self, request: Request) -> Response:
        user = signed_in_customer(request)
        sent = email_verification.queue_verification_email(user=user)
        return Response(
            {
                "email": user.email,
                "email_verified": user.email_verified_at is not None,
                "verification_sent": sent,
            }
        )
