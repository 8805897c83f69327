"""Analytics in Admin: no model list, but the dashboard's pages, listed in the index and the
sidebar (one row per section) for staff with "view analytics" (hiroam.admin_site)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, reverse

from accounts.audit import ReadOnlyModelAdmin
from analytics.models import Analytics
from analytics.sections import SECTIONS
from analytics.views import can_view_analytics


@admin.register(Analytics)
class AnalyticsAdmin(ReadOnlyModelAdmin):
    def get_urls(self) -> list[URLPattern]:
        return []  # its pages live at the app's root: app_root_urls

    def app_root_urls(self) -> list[URLPattern | URLResolver]:
        from analytics.urls import urlpatterns  # wraps views with the site, once it exists

        return list(urlpatterns)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return can_view_analytics(request)

    def index_entries(self, request: HttpRequest) -> list[dict[str, Any]]:
        if not can_view_analytics(request):
            return []
        return [
            {
                "name": spec.title,
                "object_name": spec.slug,
                "admin_url": reverse("admin:analytics_section", args=[spec.slug]),
                "add_url": None,
                "view_only": True,
                "perms": {"add": False, "change": False, "delete": False, "view": True},
            }
            for spec in SECTIONS.values()
        ]
