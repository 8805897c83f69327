"""Views that fail in each way an API view can, to pin the error envelope down."""

from django.http import Http404
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from hiroam.api.errors import BusinessRuleError, ErrorCode


class _Public(APIView):
    permission_classes = (AllowAny,)
    authentication_classes = ()


class Forbidden(_Public):
    def get(self, request):
        raise PermissionDenied()


class Missing(_Public):
    def get(self, request):
        raise Http404("internal detail: row 42 not in table secret_stuff")


class BusinessRule(_Public):
    def get(self, request):
        raise BusinessRuleError(
            "This package is not on sale right now.",
            code=ErrorCode.PACKAGE_UNAVAILABLE,
            details={"package": "JP_5_30"},
        )


class Explodes(_Public):
    def post(self, request):
        raise RuntimeError("database password is hunter2")


class Echo(_Public):
    class Input(serializers.Serializer):
        quantity = serializers.IntegerField(min_value=1, max_value=10)

    def post(self, request):
        data = self.Input(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(data.validated_data)
