from django.apps import AppConfig


class PricingConfig(AppConfig):
    name = "pricing"
    verbose_name = "Pricing"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The catalogue shows engine prices; it cannot import pricing, so pricing registers.
        from catalog.price_display import register_price_source
        from pricing.prices import display_prices

        register_price_source(display_prices)
