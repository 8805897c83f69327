from django.apps import AppConfig


class HiroamConfig(AppConfig):
    """The project package as an app: shared tasks and the operator commands."""

    name = "hiroam"
    verbose_name = "HIROAM"
