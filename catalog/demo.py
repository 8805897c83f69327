"""A real-looking store for `make run`: a few featured and bestselling packages."""

from django.db.models import Case, Q, When

from catalog.cache import invalidate_catalog_cache
from catalog.models import EsimPackage

FEATURED_SLUGS = ("JP_5_30", "KR_5_15", "TH_10_30", "ID_5_15", "EU-33_10_30", "US_5_15")
BESTSELLER_SLUGS = ("JP_5_30", "TH_10_30", "EU-33_10_30")


def feature_demo_packages() -> int:
    """One update: featured first in the shop's order, some of them bestsellers."""
    featured = EsimPackage.objects.filter(slug__in=FEATURED_SLUGS).update(
        is_featured=True,
        is_bestseller=Q(slug__in=BESTSELLER_SLUGS),
        sort_order=Case(
            *(
                When(slug=slug, then=position - len(FEATURED_SLUGS))
                for position, slug in enumerate(FEATURED_SLUGS)
            )
        ),
    )
    invalidate_catalog_cache()
    return featured
