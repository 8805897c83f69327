"""The pricing console in Admin: base prices with a reason, bulk and CSV changes previewed
before they apply, promotions for many packages, the timeline, the preview and the warnings.
Every change lands in the price history and the audit trail."""

import re
from datetime import timedelta

import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from accounts.models import AdminAuditEntry
from accounts.roles import MANAGE_DISCOUNTS, MANAGE_PACKAGES, ROLES
from accounts.services import apply_roles
from catalog.models import EsimPackage
from pricing.models import DiscountCode, DiscountCodeUsage, PriceHistory, PriceSchedule
from tests.accounts.factories import staff_member
from tests.catalog.factories import PackageFactory

pytestmark = pytest.mark.django_db
PRICES = "/admin/pricing/packageprice/"


@pytest.fixture
def manager(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_PACKAGES.name))
    return client


def _previewed(response):
    """The signed preview a page hands to its Apply button."""
    [signed] = re.findall(r'name="previewed" value="([^"]*)"', response.content.decode())
    return signed


def _messages(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def _schedule(package, **fields):
    now = timezone.now()
    return PriceSchedule.objects.create(
        package=package,
        **{
            "schedule_name": "Sale",
            "discount_type": "percentage",
            "discount_value": 2_000,
            "starts_at": now - timedelta(days=1),
            "ends_at": now + timedelta(days=3, hours=1),
            **fields,
        },
    )


def _inline_management(total=0, initial=0):
    prefix = "price_schedules"
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def _price_form(package, **fields):
    return {
        "price_usd_cents": package.price_usd_cents,
        "price_idr": package.price_idr,
        "reason": "",
        **_inline_management(),
        **fields,
    }


# ---------------------------------------------------------------- one package's prices
def test_a_base_price_change_needs_a_reason_and_lands_in_the_history(
    manager, api_client, django_capture_on_commit_callbacks
):
    package = PackageFactory.create(price_usd_cents=500, price_idr=80_000)
    assert (
        api_client.get("/api/v1/packages").json()["data"]["packages"][0]["pricing"]["finalPrice"]
        == 500
    )  # now cached

    refused = manager.post(
        f"{PRICES}{package.pk}/change/", _price_form(package, price_usd_cents=450)
    )
    assert refused.status_code == 200
    assert "Say why the price changes" in refused.content.decode()
    package.refresh_from_db()
    assert package.price_usd_cents == 500
    assert not PriceHistory.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(
            f"{PRICES}{package.pk}/change/",
            _price_form(package, price_usd_cents=450, reason="match a competitor"),
        )

    assert response.status_code == 302, response.content.decode()[:2000]
    shown = api_client.get("/api/v1/packages").json()["data"]["packages"][0]["pricing"]
    assert shown["finalPrice"] == 450
    history = PriceHistory.objects.get()
    assert (history.field, history.old_value, history.new_value, history.reason) == (
        "price_usd_cents",
        500,
        450,
        "match a competitor",
    )
    assert history.changed_by is not None
    entry = AdminAuditEntry.objects.get()
    assert (entry.old_values, entry.new_values) == (
        {"price_usd_cents": 500},
        {"price_usd_cents": 450},
    )


def test_a_price_below_cost_plus_fee_is_saved_with_a_warning(manager):
    package = PackageFactory.create(base_price_cents=180, price_usd_cents=300)

    response = manager.post(
        f"{PRICES}{package.pk}/change/",
        _price_form(package, price_usd_cents=200, reason="loss leader"),
        follow=True,
    )

    package.refresh_from_db()
    assert package.price_usd_cents == 200  # warned, not refused: a loss leader can be meant
    assert any("below provider cost plus the payment fee" in m for m in _messages(response))


def test_the_package_page_shows_the_price_now_and_a_timeline_in_words(manager):
    package = PackageFactory.create(price_usd_cents=1_000, price_idr=160_000)
    _schedule(package, schedule_name="Black Friday")
    now = timezone.now()
    _schedule(
        package,
        schedule_name="Christmas",
        starts_at=now + timedelta(days=5, hours=1),
        ends_at=now + timedelta(days=9),
    )

    page = manager.get(f"{PRICES}{package.pk}/change/").content.decode()

    assert "$8.00" in page  # 20 % off now
    assert "ends in 3 days" in page
    assert "starts in 5 days" in page
    assert "Christmas" in page


def test_the_preview_explains_the_price_at_a_chosen_moment(manager):
    package = PackageFactory.create(price_usd_cents=1_000, price_idr=160_000)
    sale = _schedule(package, schedule_name="Black Friday", priority=0)
    _schedule(package, schedule_name="Flash", priority=5, discount_value=5_000)
    later = (sale.ends_at + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")

    now_page = manager.get(f"{PRICES}{package.pk}/preview/").content.decode()
    later_page = manager.get(f"{PRICES}{package.pk}/preview/", {"at": later}).content.decode()

    assert "$5.00" in now_page
    assert "outranked by &#x27;Flash&#x27;" in now_page or "outranked by 'Flash'" in now_page
    assert "$10.00" in later_page
    assert "ended" in later_page


def test_schedules_added_inline_are_in_the_history_and_same_priority_overlaps_warn(manager):
    package = PackageFactory.create()
    _schedule(package, schedule_name="Existing", priority=3)
    existing = PriceSchedule.objects.get()
    now = timezone.now()
    prefix = "price_schedules"
    data = _price_form(package, **_inline_management(total=2, initial=1))
    for index, schedule in enumerate([existing, None]):
        fields = {
            "id": str(existing.pk) if schedule else "",
            "package": str(package.pk),
            "schedule_name": "Existing" if schedule else "Weekend",
            "schedule_type": "discount",
            "discount_type": "percentage",
            "discount_value": "2000" if schedule else "1000",
            "starts_at_0": (existing.starts_at if schedule else now).strftime("%Y-%m-%d"),
            "starts_at_1": (existing.starts_at if schedule else now).strftime("%H:%M:%S"),
            "ends_at_0": (existing.ends_at if schedule else now + timedelta(days=1)).strftime(
                "%Y-%m-%d"
            ),
            "ends_at_1": (existing.ends_at if schedule else now + timedelta(days=1)).strftime(
                "%H:%M:%S"
            ),
            "priority": "3",
            "is_active": "on",
        }
        data.update({f"{prefix}-{index}-{name}": value for name, value in fields.items()})

    response = manager.post(f"{PRICES}{package.pk}/change/", data, follow=True)

    assert response.redirect_chain, response.content.decode()[:3000]
    weekend = PriceSchedule.objects.get(schedule_name="Weekend")
    assert weekend.created_by is not None
    history = PriceHistory.objects.get()  # the unchanged schedule writes nothing
    assert (history.schedule, history.reason) == (weekend, "created in Admin")
    assert any("same priority (3)" in m and "Existing" in m for m in _messages(response))


def test_a_schedule_deleted_inline_is_in_the_history(manager):
    package = PackageFactory.create()
    sale = _schedule(package, schedule_name="Old sale")
    prefix = "price_schedules"
    data = _price_form(package, **_inline_management(total=1, initial=1))
    fields = {
        "id": str(sale.pk),
        "package": str(package.pk),
        "schedule_name": sale.schedule_name,
        "schedule_type": "discount",
        "discount_type": "percentage",
        "discount_value": "2000",
        "starts_at_0": sale.starts_at.strftime("%Y-%m-%d"),
        "starts_at_1": sale.starts_at.strftime("%H:%M:%S"),
        "ends_at_0": sale.ends_at.strftime("%Y-%m-%d"),
        "ends_at_1": sale.ends_at.strftime("%H:%M:%S"),
        "priority": "0",
        "is_active": "on",
        "DELETE": "on",
    }
    data.update({f"{prefix}-0-{name}": value for name, value in fields.items()})

    response = manager.post(f"{PRICES}{package.pk}/change/", data)

    assert response.status_code == 302, response.content.decode()[:3000]
    assert not PriceSchedule.objects.exists()
    deleted = PriceHistory.objects.get()
    assert (deleted.new_value, (deleted.old_value or {})["schedule_name"], deleted.reason) == (
        None,
        "Old sale",
        "deleted in Admin",
    )


# ---------------------------------------------------------------- many packages
def _action(client, action, packages, **extra):
    return client.post(
        PRICES,
        {"action": action, "_selected_action": [str(p.pk) for p in packages], **extra},
    )


def test_a_bulk_percentage_change_is_previewed_then_applied_with_its_reason(manager):
    packages = [
        PackageFactory.create(price_usd_cents=999, price_idr=159_000),
        PackageFactory.create(price_usd_cents=500, price_idr=80_000),
    ]
    terms = {"mode": "percentage", "percentage": "-10", "reason": "winter pricing"}

    preview = _action(manager, "change_base_prices", packages, preview="1", **terms)

    assert preview.status_code == 200
    assert "2 of 2 package(s) change" in preview.content.decode()
    assert sorted(EsimPackage.objects.values_list("price_usd_cents", flat=True)) == [500, 999]

    applied = _action(
        manager, "change_base_prices", packages, apply="1", previewed=_previewed(preview), **terms
    )

    assert applied.status_code == 302
    assert sorted(EsimPackage.objects.values_list("price_usd_cents", "price_idr")) == [
        (450, 72_000),
        (899, 143_000),  # 899.1 half up to the cent; 143,100 to the nearest 1,000 rupiah
    ]
    assert PriceHistory.objects.filter(reason="winter pricing").count() == 4  # USD + IDR each
    audited = AdminAuditEntry.objects.filter(action_name="change_base_prices")
    assert sorted(entry.new_values["price_usd_cents"] for entry in audited) == [450, 899]

    # Apply pressed again (or after going back): refused, nothing moves a second time.
    again = _action(
        manager, "change_base_prices", packages, apply="1", previewed=_previewed(preview), **terms
    )
    assert any("changed since the preview" in m for m in _messages(again))
    assert sorted(EsimPackage.objects.values_list("price_usd_cents", flat=True)) == [450, 899]
    assert PriceHistory.objects.count() == 4


def test_a_bulk_change_without_a_reason_changes_nothing(manager):
    package = PackageFactory.create(price_usd_cents=999)

    response = _action(
        manager, "change_base_prices", [package], apply="1", mode="value", price_usd="5.00"
    )

    assert response.status_code == 200  # the form again, with the error
    assert "This field is required" in response.content.decode()
    package.refresh_from_db()
    assert package.price_usd_cents == 999
    assert not PriceHistory.objects.exists()


def test_set_to_a_value_converts_idr_at_the_current_rate(manager):
    package = PackageFactory.create(price_usd_cents=999, price_idr=159_000)

    terms = {"mode": "value", "price_usd": "4.99", "reason": "flat price"}
    preview = _action(manager, "change_base_prices", [package], preview="1", **terms)
    _action(
        manager, "change_base_prices", [package], apply="1", previewed=_previewed(preview), **terms
    )

    package.refresh_from_db()
    assert (package.price_usd_cents, package.price_idr) == (499, 80_000)  # 79,840 → 80,000


def test_a_promotion_for_many_packages_is_previewed_then_scheduled(
    manager, api_client, django_capture_on_commit_callbacks
):
    packages = [
        PackageFactory.create(price_usd_cents=1_000, base_price_cents=180) for _ in range(3)
    ]
    now = timezone.now()
    terms = {
        "schedule_name": "Christmas Sale",
        "schedule_type": "discount",
        "discount_type": "percentage",
        "discount_value": "2500",
        "starts_at": (now - timedelta(minutes=1)).isoformat(),
        "ends_at": (now + timedelta(days=7)).isoformat(),
        "priority": "1",
        "badge_text": "XMAS",
        "is_active": "on",
    }

    preview = _action(manager, "schedule_a_promotion", packages, preview="1", **terms)

    assert preview.status_code == 200
    assert preview.content.decode().count("$7.50") == 3
    assert not PriceSchedule.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        _action(manager, "schedule_a_promotion", packages, apply="1", **terms)

    assert PriceSchedule.objects.filter(schedule_name="Christmas Sale").count() == 3
    assert PriceHistory.objects.filter(field="schedule").count() == 3
    assert AdminAuditEntry.objects.filter(action_name="schedule_a_promotion").count() == 3
    shown = api_client.get("/api/v1/packages").json()["data"]["packages"]
    assert {p["pricing"]["finalPrice"] for p in shown} == {750}


def test_a_promotion_below_cost_warns_in_the_preview(manager):
    package = PackageFactory.create(price_usd_cents=300, base_price_cents=180)
    now = timezone.now()

    preview = _action(
        manager,
        "schedule_a_promotion",
        [package],
        preview="1",
        schedule_name="Too deep",
        schedule_type="discount",
        discount_type="percentage",
        discount_value="5000",
        starts_at=now.isoformat(),
        ends_at=(now + timedelta(days=2)).isoformat(),
        priority="0",
        is_active="on",
    )

    assert "below provider cost plus the payment fee" in preview.content.decode()


def test_a_backwards_promotion_is_refused_and_nothing_is_scheduled(manager):
    package = PackageFactory.create()
    now = timezone.now()

    response = _action(
        manager,
        "schedule_a_promotion",
        [package],
        apply="1",
        schedule_name="Backwards",
        schedule_type="discount",
        discount_type="percentage",
        discount_value="1000",
        starts_at=(now + timedelta(days=2)).isoformat(),
        ends_at=now.isoformat(),
        priority="0",
        is_active="on",
    )

    assert response.status_code == 200
    assert not PriceSchedule.objects.exists()
    assert not PriceHistory.objects.exists()


# ---------------------------------------------------------------- CSV
def test_prices_export_edit_and_import_after_a_dry_run(manager):
    first = PackageFactory.create(package_code="JP-5", price_usd_cents=999, price_idr=159_000)
    second = PackageFactory.create(package_code="TH-3", price_usd_cents=500, price_idr=80_000)
    exported = _action(manager, "export_prices", [first, second])
    text = b"".join(exported.streaming_content if exported.streaming else [exported.content])
    rows = text.decode().splitlines()
    assert rows[0] == "package_code,name,cost_usd_cents,price_usd_cents,price_idr"
    edited = "\n".join([rows[0], rows[1].replace(",999,", ",899,"), rows[2]])

    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("prices.csv", edited.encode(), content_type="text/csv")
    dry_run = manager.post(f"{PRICES}import/", {"file": upload})

    page = dry_run.content.decode()
    assert "1 package(s) change, 1 unchanged" in page
    first.refresh_from_db()
    assert first.price_usd_cents == 999  # a dry run changes nothing

    applied = manager.post(
        f"{PRICES}import/",
        {
            "csv_text": edited,
            "reason": "new price list",
            "apply": "1",
            "previewed": _previewed(dry_run),
        },
    )

    assert applied.status_code == 302
    first.refresh_from_db()
    assert first.price_usd_cents == 899
    assert PriceHistory.objects.get().reason == "new price list"
    assert AdminAuditEntry.objects.get(action_name="import_prices").object_id == str(first.pk)


def test_an_import_with_a_bad_row_cannot_be_applied(manager):
    package = PackageFactory.create(package_code="JP-5", price_usd_cents=999, price_idr=159_000)
    text = "package_code,price_usd_cents,price_idr\nJP-5,899,150000\nNOPE,100,1000\nJP-5,-5,abc\n"

    response = manager.post(f"{PRICES}import/", {"csv_text": text, "reason": "try"})

    page = response.content.decode()
    assert "Line 3: no package &#x27;NOPE&#x27;." in page or "Line 3: no package 'NOPE'." in page
    assert "Line 4: JP-5 appears twice." in page
    assert _previewed(response) == ""  # nothing to apply
    assert 'name="apply"' not in page
    package.refresh_from_db()
    assert package.price_usd_cents == 999
    assert not PriceHistory.objects.exists()


@pytest.mark.parametrize(
    ("rows", "error"),
    [
        ("JP-5,9\u00b2,150000\n", "Line 2: JP-5: prices must be whole numbers"),  # superscript
        ("JP-5,3000000000,150000\n", "Line 2: JP-5: prices must be whole numbers"),  # too big
        ('JP-5,899,150000\n"unclosed' + "x" * 140_000 + "\n", "not valid CSV"),
    ],
)
def test_odd_files_get_a_clear_error_not_a_crash(manager, rows, error):
    PackageFactory.create(package_code="JP-5", price_usd_cents=999, price_idr=159_000)
    text = "package_code,price_usd_cents,price_idr\n" + rows

    response = manager.post(f"{PRICES}import/", {"csv_text": text, "reason": "try"})

    assert response.status_code == 200
    assert error in response.content.decode()


def test_names_that_look_like_formulas_are_exported_as_text(manager):
    package = PackageFactory.create(package_code="JP-5", name="=HYPERLINK(1)", display_name="")

    exported = _action(manager, "export_prices", [package]).content.decode()

    assert ",'=HYPERLINK(1)," in exported


# ---------------------------------------------------------------- lists
def test_the_price_list_shows_what_customers_pay_now(manager):
    package = PackageFactory.create(price_usd_cents=1_000)
    _schedule(package, schedule_name="Weekend")

    page = manager.get(PRICES).content.decode()

    assert "$8.00" in page
    assert "Weekend (20% OFF)" in page


def test_schedule_filters_find_live_upcoming_and_ended(manager):
    package = PackageFactory.create()
    now = timezone.now()
    _schedule(package, schedule_name="Live-one")
    _schedule(
        package,
        schedule_name="Soon-one",
        starts_at=now + timedelta(days=2),
        ends_at=now + timedelta(days=4),
    )
    _schedule(
        package,
        schedule_name="Gone-one",
        starts_at=now - timedelta(days=9),
        ends_at=now - timedelta(days=2),
    )

    def names(state):
        page = manager.get("/admin/pricing/priceschedule/", {"state": state}).content.decode()
        return {name for name in ("Live-one", "Soon-one", "Gone-one") if name in page}

    assert names("live") == {"Live-one"}
    assert names("upcoming") == {"Soon-one"}
    assert names("ended") == {"Gone-one"}


def test_promo_codes_show_uses_left_revenue_and_discount_given(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_DISCOUNTS.name))
    code = DiscountCode.objects.create(
        code="SAVE10", name="Save 10", discount_type="percentage", discount_value=1_000, max_uses=10
    )
    code.current_uses = 2
    code.save()
    for total, off in ((4_500, 500), (9_000, 1_000)):
        DiscountCodeUsage.objects.create(
            discount=code, guest_email="a@b.co", order_total_cents=total, discount_amount_cents=off
        )

    page = client.get("/admin/pricing/discountcode/").content.decode()

    assert "$135.00" in page  # revenue
    assert "$15.00" in page  # discount given
    assert ">8<" in page  # uses left


def test_a_code_that_would_sell_below_cost_warns_on_save(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_DISCOUNTS.name))
    PackageFactory.create(package_code="CHEAP", price_usd_cents=300, base_price_cents=180)
    now = timezone.now()

    response = client.post(
        "/admin/pricing/discountcode/add/",
        {
            "code": "HALF",
            "name": "Half off",
            "discount_type": "percentage",
            "discount_value": "5000",
            "currency_code": "USD",
            "min_purchase_cents": "0",
            "max_uses_per_user": "1",
            "starts_at_0": now.strftime("%Y-%m-%d"),
            "starts_at_1": "00:00:00",
            "excluded_packages": "",
            "is_active": "on",
            "stackable_with_product_discount": "on",
        },
        follow=True,
    )

    assert DiscountCode.objects.filter(code="HALF").exists(), response.content.decode()[:3000]
    assert any("CHEAP" in m and "below provider cost" in m for m in _messages(response)), _messages(
        response
    )


def test_editing_a_code_never_writes_back_stale_use_counts(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_DISCOUNTS.name))
    code = DiscountCode.objects.create(
        code="RUSH", name="Rush", discount_type="percentage", discount_value=1_000, max_uses=50
    )
    page = client.get(f"/admin/pricing/discountcode/{code.pk}/change/")  # the form is open...
    DiscountCode.objects.filter(pk=code.pk).update(current_uses=7, reserved_uses=3)  # ...sales
    assert page.status_code == 200

    response = client.post(
        f"/admin/pricing/discountcode/{code.pk}/change/",
        {
            "code": "RUSH",
            "name": "Rush hour",
            "discount_type": "percentage",
            "discount_value": "1000",
            "currency_code": "USD",
            "min_purchase_cents": "0",
            "max_uses": "50",
            "max_uses_per_user": "1",
            "starts_at_0": code.starts_at.strftime("%Y-%m-%d"),
            "starts_at_1": code.starts_at.strftime("%H:%M:%S"),
            "excluded_packages": "",
            "is_active": "on",
            "stackable_with_product_discount": "on",
        },
    )

    assert response.status_code == 302, response.content.decode()[:2000]
    code.refresh_from_db()
    assert (code.name, code.current_uses, code.reserved_uses) == ("Rush hour", 7, 3)
