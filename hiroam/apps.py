from django.apps import AppConfig
from django.contrib.admin.apps import AdminConfig
from django.core import checks


class HiroamConfig(AppConfig):
    """The project package as an app: shared tasks, the operator commands and system checks."""

    name = "hiroam"
    verbose_name = "HIROAM"

    def ready(self) -> None:
        from hiroam.api.checks import check_api_settings

        checks.register(check_api_settings)


class HiroamAdminConfig(AdminConfig):
    """django.contrib.admin with HIROAM's site (hiroam.admin_site): an app's admin may add
    pages of its own to the index, as Analytics does."""

    default_site = "hiroam.admin_site.HiroamAdminSite"
