from django.apps import AppConfig
from django.core import checks


class HiroamConfig(AppConfig):
    """The project package as an app: shared tasks, the operator commands and system checks."""

    name = "hiroam"
    verbose_name = "HIROAM"

    def ready(self) -> None:
        from hiroam.api.checks import check_api_settings

        checks.register(check_api_settings)
