"""A real-looking store for `make run`: a few featured and bestselling packages."""

from catalog.cache import invalidate_catalog_cache
from catalog.models import EsimPackage

FEATURED_SLUGS = ("JP_5_30", "KR_5_15", "TH_10_30", "ID_5_15", "EU-33_10_30", "US_5_15")
BESTSELLER_SLUGS = ("JP_5_30", "TH_10_30", "EU-33_10_30")


def feature_demo_packages() -> int:
    featured = EsimPackage.objects.filter(slug__in=FEATURED_SLUGS).update(is_featured=True)
    EsimPackage.objects.filter(slug__in=BESTSELLER_SLUGS).update(is_bestseller=True)
    for position, slug in enumerate(FEATURED_SLUGS):
        EsimPackage.objects.filter(slug=slug).update(sort_order=-len(FEATURED_SLUGS) + position)
    invalidate_catalog_cache()
    return featured
