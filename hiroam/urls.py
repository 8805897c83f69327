"""The URL map: Admin, the versioned API, its schema and docs, /health, webhooks, and the shop."""

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.urls import include, path
from django.views import defaults
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from hiroam.api.errors import ErrorCode
from hiroam.api.exceptions import error_json_response
from hiroam.health import health_view

admin.site.site_header = "HIROAM admin"
admin.site.site_title = "HIROAM admin"
admin.site.index_title = "Store console"

api_v1 = [
    path("", include("accounts.urls")),
    path("", include("catalog.urls")),
    path("", include("orders.urls")),
    path("", include("points.urls")),
]

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include(api_v1)),
    path("account/", include("accounts.page_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves Swagger UI's start script as a file: no inline script for the CSP.
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("health", health_view, name="health"),
    path("", include("monitoring.urls")),
    path("webhooks/", include("orders.webhook_urls")),
]
if settings.SANDBOX_ENABLED:  # the built-in provider fakes, wired in only by configuration
    urlpatterns.append(path("sandbox/", include("hiroam.sandbox.urls")))
urlpatterns.append(path("", include("storefront.urls")))  # the shop: every other path


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if _is_api(request):
        return error_json_response(ErrorCode.NOT_FOUND, "No such endpoint.", 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_api(request):
        return error_json_response(
            ErrorCode.INTERNAL_ERROR, "Something went wrong on our side. Please try again.", 500
        )
    return defaults.server_error(request)


handler404 = "hiroam.urls.not_found"
handler500 = "hiroam.urls.server_error"
