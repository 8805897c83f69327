"""What price experiments hold about a signed-in customer, for their export and their erasure
(plan 24.3): the variants their account was given, the days it was shown experiment prices and
the orders that counted as conversions. Registered with accounts.data_rights in
PricingConfig.ready(). A guest's rows name only a random browser or app id, nobody.

Erasure deletes the variants and views; a conversion stays (it is what an order paid, counted in
the experiment's figures) under a new random id, the same for all of the customer's, so the
figures still count them as one visitor and nothing leads back to the account."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from accounts.data_rights import DataSection
from accounts.models import User
from accounts.visitors import account_visitor
from pricing.models import ExperimentAssignment, ExperimentConversion, ExperimentView


def export_experiment_data(user: User) -> dict[str, Any]:
    visitor = account_visitor(user.pk)
    variants = ExperimentAssignment.objects.filter(visitor=visitor).select_related(
        "experiment", "variant"
    )
    conversions = ExperimentConversion.objects.filter(visitor=visitor).select_related(
        "experiment", "variant"
    )
    return {
        "variants": [
            {
                "experiment": row.experiment.name,
                "variant": row.variant.name,
                "assigned_at": row.assigned_at,
                "carried_over_from_this_browser_or_app": row.carried_over,
            }
            for row in variants.order_by("assigned_at")
        ],
        "days_shown_experiment_prices": sorted(
            {
                day.isoformat()
                for day in ExperimentView.objects.filter(visitor=visitor).values_list(
                    "day", flat=True
                )
            }
        ),
        "orders_counted": [
            {
                "experiment": row.experiment.name,
                "variant": row.variant.name,
                "order_id": row.order_id,
                "revenue_minor": row.revenue_minor,
                "currency": row.currency,
                "reversed_at": row.reversed_at,
            }
            for row in conversions.order_by("converted_at")
        ],
    }


def erase_experiment_data(user: User, now: datetime) -> dict[str, int]:
    visitor = account_visitor(user.pk)
    variants, _ = ExperimentAssignment.objects.filter(visitor=visitor).delete()
    views, _ = ExperimentView.objects.filter(visitor=visitor).delete()
    conversions = ExperimentConversion.objects.filter(visitor=visitor).update(
        visitor=f"x:{uuid.uuid4().hex}"
    )
    return {
        "experiment_variants_deleted": variants,
        "experiment_views_deleted": views,
        "experiment_conversions_anonymised": conversions,
    }


SECTIONS = (
    DataSection("price_experiments", export=export_experiment_data, erase=erase_experiment_data),
)
