"""Unused eSIMs in Admin: the refund fields, read-only, with filters; "Refund now" takes the
job's own path, refuses an eSIM that is no longer unused (with a message, changing nothing),
and is audited."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AdminAuditEntry
from accounts.roles import MANAGE_ORDERS, MANAGE_PACKAGES, ROLES
from accounts.services import apply_roles
from hiroam.sandbox.models import EsimProfile as ProviderEsim
from orders.models import EsimProfile
from refunds.admin.unused import MAX_REFUNDED_AT_ONCE
from tests.accounts.factories import staff_member
from tests.esim_sandbox import delivered_esims
from tests.refunds.esims import order_item, unused_esim

UNUSED = "/admin/refunds/unusedesim/"


@pytest.fixture
def manager(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_ORDERS.name))
    return client


def _refund_now(client, esims):
    return client.post(
        UNUSED,
        {"action": "refund_now", "_selected_action": [str(esim.pk) for esim in esims]},
        follow=True,
    )


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


@pytest.mark.django_db
def test_the_list_shows_the_refund_state_filters_by_status_and_date_and_no_secrets(manager):
    now = timezone.now()
    soon = unused_esim(eligible_at=now + timedelta(days=2))
    later = unused_esim(eligible_at=now + timedelta(days=40))
    failed = unused_esim(
        eligible_at=now - timedelta(days=1), refund_status="failed", refund_error="timeout"
    )

    page = manager.get(UNUSED).content.decode()
    assert all(esim.iccid in page for esim in (soon, later, failed))
    assert "$1.80" in page  # what a cancel gives back
    assert soon.activation_code not in page and soon.manual_code not in page

    within_a_week = manager.get(UNUSED, {"eligible": "7"}).content.decode()
    assert soon.iccid in within_a_week and later.iccid not in within_a_week
    failures = manager.get(UNUSED, {"refund_status__exact": "failed"}).content.decode()
    assert failed.iccid in failures and soon.iccid not in failures
    assert manager.get(f"{UNUSED}{soon.pk}/change/").status_code == 200  # read-only page


@pytest.mark.django_db
def test_refund_now_refuses_an_installed_esim_with_a_message_and_changes_nothing(manager):
    installed = unused_esim(
        eligible_at=timezone.now() + timedelta(days=20),
        smdp_status="installed",
        refund_status="not_refundable",
    )

    response = _refund_now(manager, [installed])

    [message] = _messages(response)
    assert f"eSIM {installed.iccid} cannot be refunded" in message
    assert "installed" in message
    installed.refresh_from_db()
    assert (installed.refund_status, installed.refund_claimed_at) == ("not_refundable", None)
    assert not AdminAuditEntry.objects.filter(action_name="refund_now").exists()


@pytest.mark.django_db
def test_refund_now_takes_at_most_a_few_esims_at_once(manager):
    item = order_item(quantity=MAX_REFUNDED_AT_ONCE + 1)
    esims = [
        unused_esim(eligible_at=timezone.now() + timedelta(days=20), item=item)
        for _ in range(MAX_REFUNDED_AT_ONCE + 1)
    ]

    response = _refund_now(manager, esims)

    assert f"at most {MAX_REFUNDED_AT_ONCE} eSIMs at once" in _messages(response)[0]
    assert set(EsimProfile.objects.values_list("refund_status", flat=True)) == {"not_eligible"}


@pytest.mark.django_db
def test_staff_without_the_permission_cannot_refund(client):
    apply_roles(ROLES)
    viewer = staff_member(MANAGE_PACKAGES.name)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.set([Permission.objects.get(codename="view_unusedesim")])
    client.force_login(viewer)
    esim = unused_esim(eligible_at=timezone.now() + timedelta(days=20))

    assert "refund_now" not in client.get(UNUSED).content.decode()
    _refund_now(client, [esim])

    esim.refresh_from_db()
    assert esim.refund_status == "not_eligible"


@pytest.mark.django_db(transaction=True)
def test_refund_now_cancels_an_unused_esim_at_the_provider_and_is_audited(
    manager, provider, settings, sandbox_package_codes
):
    settings.ESIM_ACCESS_REQUESTS_PER_SECOND = 100
    unused, installed = delivered_esims(sandbox_package_codes, 2)
    EsimProfile.objects.filter(pk=installed.pk).update(smdp_status="installed")
    provider.refresh_from_db()
    balance_before = provider.balance_units

    response = _refund_now(manager, [unused, installed])

    unused.refresh_from_db()
    cost_cents = unused.refund_amount_cents
    assert unused.refund_status == "refunded" and cost_cents
    provider.refresh_from_db()
    price_units = unused.order_item.provider_unit_price_units
    assert provider.balance_units == balance_before + price_units  # its cost came back
    assert cost_cents == price_units // 100
    assert ProviderEsim.objects.get(esim_tran_no=installed.esim_tran_no).esim_status == (
        "GOT_RESOURCE"
    )
    messages = _messages(response)
    assert any(
        f"eSIM {unused.iccid}: refunded, ${cost_cents // 100}.{cost_cents % 100:02d} back" in m
        for m in messages
    )
    assert any(f"eSIM {installed.iccid} cannot be refunded" in m for m in messages)
    [entry] = AdminAuditEntry.objects.filter(action_name="refund_now")
    assert entry.object_id == str(unused.pk)
    assert entry.old_values["refund_status"] == "not_eligible"
    assert entry.new_values["refund_status"] == "refunded"
    assert "activation_code" not in entry.new_values
