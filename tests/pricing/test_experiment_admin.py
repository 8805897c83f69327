"""Price experiments in the console, as a package manager runs one: the live figures on its
page, the actions that start and stop it (refusals said plainly), frozen variants once it runs,
and the winner applied in one step, all in the audit trail."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import AdminAuditEntry
from accounts.roles import MANAGE_DISCOUNTS, MANAGE_PACKAGES, ROLES
from accounts.services import apply_roles
from pricing.models import PriceExperiment, PriceSchedule, PriceVariant
from tests.accounts.factories import staff_member
from tests.catalog.factories import PackageFactory
from tests.pricing.factories import running_experiment

pytestmark = pytest.mark.django_db
LIST = "/admin/pricing/priceexperiment/"
Status = PriceExperiment.Status


@pytest.fixture
def manager(client):
    apply_roles(ROLES)
    client.force_login(staff_member(MANAGE_PACKAGES.name))
    return client


def _act(client, action, *experiments):
    return client.post(
        LIST,
        {"action": action, "_selected_action": [str(e.pk) for e in experiments]},
        follow=True,
    )


def test_a_draft_is_started_from_the_list_and_the_start_is_audited(manager):
    package = PackageFactory.create(package_code="JP-5GB")
    draft = running_experiment(packages=[package], status=Status.DRAFT, started_at=None)

    page = _act(manager, "start", draft).content.decode()

    assert f"“{draft.name}” started." in page
    draft.refresh_from_db()
    assert draft.status == Status.RUNNING and draft.started_at is not None
    entry = AdminAuditEntry.objects.get(action_name="start")
    assert entry.new_values["status"] == "running"


def test_an_overlapping_start_is_refused_with_the_reason_and_nothing_changes(manager):
    package = PackageFactory.create(package_code="JP-5GB")
    running_experiment(packages=[package], name="Japan price test")
    rival = running_experiment(
        packages=[package], name="Rival", status=Status.DRAFT, started_at=None
    )

    page = _act(manager, "start", rival).content.decode()

    assert "“Rival”: The running experiment “Japan price test” already covers 1" in page
    assert PriceExperiment.objects.get(pk=rival.pk).status == Status.DRAFT
    assert not AdminAuditEntry.objects.filter(action_name="start").exists()


def test_a_running_experiments_page_shows_its_figures_and_frozen_variants(manager):
    experiment = running_experiment(packages=[PackageFactory.create()])

    page = manager.get(f"{LIST}{experiment.pk}/change/").content.decode()

    assert "Too small to decide" in page
    assert "10% lower" in page and "conversion uplift" in page
    assert 'name="variants-0-weight"' not in page  # weights cannot move once it runs
    assert "Apply a winner" in page


def test_a_drafts_variants_can_still_be_edited(manager):
    draft = running_experiment(
        packages=[PackageFactory.create()], status=Status.DRAFT, started_at=None
    )
    page = manager.get(f"{LIST}{draft.pk}/change/").content.decode()
    assert 'name="variants-0-weight"' in page


def test_applying_the_winner_completes_the_experiment_and_schedules_its_price(manager):
    packages = PackageFactory.create_batch(2)
    experiment = running_experiment(packages=packages, name="Japan test")
    lower = PriceVariant.objects.get(experiment=experiment, is_control=False)
    url = f"{LIST}{experiment.pk}/apply-winner/"
    ends = (timezone.now() + timedelta(days=30)).replace(second=0, microsecond=0)

    assert "Figures so far" in manager.get(url).content.decode()
    done = manager.post(
        url,
        {
            "variant": str(lower.pk),
            "ends_at": ends.strftime("%Y-%m-%dT%H:%M"),
            "priority": 3,
            "badge_text": "",
        },
    )

    assert done.status_code == 302
    experiment.refresh_from_db()
    assert (experiment.status, experiment.winner_id) == (Status.COMPLETED, lower.pk)
    assert {(s.package_id, s.discount_value, s.priority) for s in PriceSchedule.objects.all()} == {
        (package.pk, 1_000, 3) for package in packages
    }
    assert AdminAuditEntry.objects.filter(action_name="apply_winner").count() == 3


def test_staff_who_do_not_run_prices_cannot_reach_experiments(client):
    apply_roles(ROLES)
    experiment = running_experiment(packages=[PackageFactory.create()])
    client.force_login(staff_member(MANAGE_DISCOUNTS.name))

    assert client.get(LIST).status_code == 403
    assert client.get(f"{LIST}{experiment.pk}/apply-winner/").status_code == 403
