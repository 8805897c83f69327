from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = "Pricing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The catalogue shows engine prices and finds cost changes, but cannot import
        # pricing; pricing registers itself with it instead.
        from accounts.data_rights import register_data_section
        from accounts.visitors import guest_signed_in
        from catalog.cost_changes import register_cost_change_recorder
        from catalog.price_display import register_price_source
        from pricing.experiments.carry_over import on_guest_signed_in
        from pricing.experiments.data_rights import SECTIONS
        from pricing.price_sql import EnginePrices
        from pricing.services import record_cost_changes

        register_price_source(EnginePrices())
        register_cost_change_recorder(record_cost_changes)
        # A guest's experiment variants follow them into their account.
        guest_signed_in.connect(on_guest_signed_in, dispatch_uid="pricing-carry-over")
        # What experiments hold about an account goes into its export and its erasure.
        for section in SECTIONS:
            register_data_section(section)
