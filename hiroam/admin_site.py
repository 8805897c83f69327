"""HIROAM's admin site: Django's, where a registered ModelAdmin may stand for pages of its own
instead of a model's list (the Analytics dashboard's sections).

Such an admin (a `PagesAdmin`) gives the URLs of its pages, mounted at its app's root
(/admin/<app_label>/...) ahead of Django's app index, and the entries the index and the
sidebar list for the user asking, in place of the model's one entry. The site knows no app:
an app's admin opts in by having both methods.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

from django.contrib import admin
from django.http import HttpRequest
from django.urls import URLPattern, URLResolver, include, path


@runtime_checkable
class PagesAdmin(Protocol):
    def app_root_urls(self) -> list[URLPattern | URLResolver]:
        """Patterns under /admin/<app_label>/, in the admin namespace; wrap each view with
        the site's admin_view (login and staff checks as for every admin page)."""
        ...

    def index_entries(self, request: HttpRequest) -> list[dict[str, Any]]:
        """The app list's rows for this user, as Django's (name, object_name, admin_url,
        view_only, perms, add_url); none hides them."""
        ...


class HiroamAdminSite(admin.AdminSite):
    def get_urls(self) -> list[URLPattern | URLResolver]:
        pages = [
            path(f"{model._meta.app_label}/", include(model_admin.app_root_urls()))
            for model, model_admin in self._registry.items()
            if isinstance(model_admin, PagesAdmin)
        ]
        return pages + super().get_urls()

    def get_app_list(
        self, request: HttpRequest, app_label: str | None = None
    ) -> list[dict[str, Any]]:
        app_list = super().get_app_list(request, app_label)
        for app in app_list:
            rows = []
            for row in app["models"]:
                model_admin = self._registry.get(row["model"])
                if isinstance(model_admin, PagesAdmin):
                    rows.extend(
                        {**entry, "model": row["model"]}
                        for entry in model_admin.index_entries(request)
                    )
                else:
                    rows.append(row)
            app["models"] = rows
        return [app for app in app_list if app["models"]]
