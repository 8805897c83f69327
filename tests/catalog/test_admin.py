"""The merchandiser's console: edits show in the API at once, bulk actions are audited."""

import pytest

from accounts.models import AdminAuditEntry
from accounts.roles import MANAGE_PACKAGES, ROLES
from accounts.services import apply_roles
from catalog.models import EsimPackage
from tests.accounts.factories import staff_member
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db
CHANGELIST = "/admin/catalog/esimpackage/"


@pytest.fixture
def merchandiser(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_PACKAGES.name))
    return client


def _change_form(package, **changes):
    fields = {
        "display_name": package.display_name,
        "custom_description": package.custom_description,
        "category_override": package.category_override,
        "tags": ",".join(package.tags),
        "image_url": package.image_url,
        "sort_order": package.sort_order,
        "price_usd_cents": package.price_usd_cents,
        "price_idr": package.price_idr,
        "is_active": "on" if package.is_active else "",
        "is_available": "on" if package.is_available else "",
        "unavailable_reason": package.unavailable_reason,
        "stock_type": package.stock_type,
        "stock_quantity": package.stock_quantity or "",
        "max_per_order": package.max_per_order,
        "available_from_0": "",
        "available_from_1": "",
        "available_until_0": "",
        "available_until_1": "",
    }
    fields.update(changes)
    return {key: value for key, value in fields.items() if value not in ("", None)}


def test_an_admin_edit_shows_in_the_api_at_once_and_prices_are_not_edited_here(
    merchandiser, api_client, django_capture_on_commit_callbacks
):
    package = PackageFactory.create(price_usd_cents=500, display_name="Japan")
    first = api_client.get("/api/v1/packages").json()["data"]["packages"][0]
    assert (first["name"], first["pricing"]["finalPrice"]) == ("Japan", 500)  # now cached

    with django_capture_on_commit_callbacks(execute=True):
        response = merchandiser.post(
            f"{CHANGELIST}{package.pk}/change/",
            _change_form(package, display_name="Japan Plus", price_usd_cents=450),
        )

    assert response.status_code == 302, response.content.decode()[:3000]
    shown = api_client.get("/api/v1/packages").json()["data"]["packages"][0]
    # Base prices change in Pricing (with a reason, into the price history), not here.
    assert (shown["name"], shown["pricing"]["finalPrice"]) == ("Japan Plus", 500)
    entry = AdminAuditEntry.objects.get()
    assert (entry.old_values, entry.new_values) == (
        {"display_name": "Japan"},
        {"display_name": "Japan Plus"},
    )


def _action(client, action, packages, **extra):
    return client.post(
        CHANGELIST,
        {
            "action": action,
            "_selected_action": [str(p.pk) for p in packages],
            "index": "0",
            **extra,
        },
    )


def test_deactivating_in_bulk_hides_packages_and_audits_each(
    merchandiser, api_client, django_capture_on_commit_callbacks
):
    first, second, kept = PackageFactory.create_batch(3)
    api_client.get("/api/v1/packages")

    with django_capture_on_commit_callbacks(execute=True):
        _action(merchandiser, "deactivate", [first, second])

    listed = [p["id"] for p in api_client.get("/api/v1/packages").json()["data"]["packages"]]
    assert listed == [str(kept.pk)]
    entries = AdminAuditEntry.objects.filter(action_name="deactivate")
    assert sorted(entries.values_list("object_id", flat=True)) == sorted(
        [str(first.pk), str(second.pk)]
    )
    assert all(
        e.old_values == {"is_active": True} and e.new_values == {"is_active": False}
        for e in entries
    )


def test_marking_not_purchasable_uses_the_reason_given(merchandiser):
    package = PackageFactory.create()

    _action(merchandiser, "make_unpurchasable", [package], reason="Operator outage")

    package.refresh_from_db()
    assert (package.is_available, package.unavailable_reason) == (False, "Operator outage")


def test_a_backwards_window_is_refused_and_changes_nothing(merchandiser):
    package = PackageFactory.create()

    response = _action(
        merchandiser,
        "set_window",
        [package],
        available_from="2026-12-24T00:00",
        available_until="2026-12-01T00:00",
    )

    assert response.status_code == 302
    package.refresh_from_db()
    assert package.available_from is None
    assert not AdminAuditEntry.objects.exists()


def test_search_by_country_code_finds_every_package_covering_it(merchandiser):
    PackageFactory.create(package_code="ONLYJP", location_codes=["JP"])
    PackageFactory.create(package_code="EUROPE", location_codes=["FR", "DE"], name="Europe")

    page = merchandiser.get(CHANGELIST, {"q": "fr"}).content.decode()

    assert "EUROPE" in page
    assert "ONLYJP" not in page


def test_filters_render_for_a_busy_day(merchandiser):
    PackageFactory.create_batch(3)

    for query in (
        {"availability": "purchasable"},
        {"category": "asia"},
        {"region": "asia"},
        {"sync_status": "active"},
    ):
        assert merchandiser.get(CHANGELIST, query).status_code == 200


def test_sync_now_queues_a_sync(merchandiser):
    response = merchandiser.post("/admin/catalog/syncrun/sync-now/")

    assert response.status_code == 302
    messages = [str(m) for m in response.wsgi_request._messages]
    assert any("Sync queued" in message for message in messages)


def test_provider_fields_are_read_only_in_the_form(merchandiser):
    package = PackageFactory.create(name="Japan 5GB")

    merchandiser.post(
        f"{CHANGELIST}{package.pk}/change/",
        _change_form(package, name="Hacked", base_price_cents=1),
    )

    package.refresh_from_db()
    assert (package.name, package.base_price_cents) == ("Japan 5GB", 180)
    assert EsimPackage.objects.count() == 1
