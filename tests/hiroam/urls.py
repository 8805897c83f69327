from django.urls import path

from hiroam.urls import urlpatterns as product_urlpatterns
from tests.hiroam import error_views

urlpatterns = [
    path("api/v1/test/forbidden", error_views.Forbidden.as_view()),
    path("api/v1/test/missing", error_views.Missing.as_view()),
    path("api/v1/test/business-rule", error_views.BusinessRule.as_view()),
    path("api/v1/test/explodes", error_views.Explodes.as_view()),
    path("api/v1/test/echo", error_views.Echo.as_view()),
    *product_urlpatterns,
]

handler404 = "hiroam.urls.not_found"
handler500 = "hiroam.urls.server_error"
