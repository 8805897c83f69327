from django.urls import path

from catalog import api

urlpatterns = [
    path("packages", api.PackageListView.as_view(), name="package-list"),
    path("packages/<str:id_or_slug>", api.PackageDetailView.as_view(), name="package-detail"),
]
