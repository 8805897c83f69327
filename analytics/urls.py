"""The Analytics pages, mounted by the admin site at /admin/analytics/ (hiroam.admin_site, via
analytics.admin) in the admin namespace: admin:analytics_index, admin:analytics_section."""

from django.contrib import admin
from django.urls import path

from analytics import views

urlpatterns = [
    path("", admin.site.admin_view(views.analytics_home), name="analytics_index"),
    path("<slug:slug>/", admin.site.admin_view(views.section_view), name="analytics_section"),
]
