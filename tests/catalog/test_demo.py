import pytest

from catalog.demo import BESTSELLER_SLUGS, FEATURED_SLUGS, feature_demo_packages
from catalog.models import EsimPackage
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db


def test_the_demo_store_puts_its_featured_packages_first():
    for slug in FEATURED_SLUGS:
        PackageFactory.create(slug=slug)
    PackageFactory.create(slug="other")

    assert feature_demo_packages() == len(FEATURED_SLUGS)

    shop_order = list(EsimPackage.objects.order_by("sort_order").values_list("slug", flat=True))
    assert shop_order == [*FEATURED_SLUGS, "other"]
    assert set(
        EsimPackage.objects.filter(is_bestseller=True).values_list("slug", flat=True)
    ) == set(BESTSELLER_SLUGS)
    assert not EsimPackage.objects.get(slug="other").is_featured
