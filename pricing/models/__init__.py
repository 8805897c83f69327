"""The pricing app's tables: prices, schedules, history and promo codes; price experiments."""

from pricing.models.experiments import (
    ExperimentAssignment,
    ExperimentConversion,
    ExperimentVariantDay,
    ExperimentView,
    PriceExperiment,
    PriceVariant,
)
from pricing.models.prices import (
    DiscountCode,
    DiscountCodeUsage,
    ExchangeRate,
    PackagePrice,
    PriceHistory,
    PriceSchedule,
    RegionalPrice,
)

__all__ = [
    "DiscountCode",
    "DiscountCodeUsage",
    "ExchangeRate",
    "ExperimentAssignment",
    "ExperimentConversion",
    "ExperimentVariantDay",
    "ExperimentView",
    "PackagePrice",
    "PriceExperiment",
    "PriceHistory",
    "PriceSchedule",
    "PriceVariant",
    "RegionalPrice",
]
