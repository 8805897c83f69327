"""The pricing console: package prices and schedules, promo codes, rates, the history and
price experiments."""

from pricing.admin import codes, experiments, package_prices, records, schedules

__all__ = ["codes", "experiments", "package_prices", "records", "schedules"]
