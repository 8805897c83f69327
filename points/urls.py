from django.urls import path

from points import api

urlpatterns = [
    path("me/points", api.MyPointsView.as_view(), name="me-points"),
]
