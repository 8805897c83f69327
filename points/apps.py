from django.apps import AppConfig


class PointsConfig(AppConfig):
    name = "points"
    verbose_name = "Points"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Accounts cannot import the ledger: the ledger registers its part of a customer's
        # data (export, erasure) with it instead.
        from accounts.data_rights import register_data_section
        from points.data_rights import SECTIONS

        for section in SECTIONS:
            register_data_section(section)
