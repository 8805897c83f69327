"""The pricing console: package prices and schedules, promo codes, rates and the history."""

from pricing.admin import codes, package_prices, records, schedules

__all__ = ["codes", "package_prices", "records", "schedules"]
